package dev.tiercache.nearcache;

import com.hazelcast.internal.serialization.Data;

/**
 * What L1 keys an entry by, so that it finds an entry exactly when L2 would. L2 compares keys by their
 * serialized form; L1 is a hash map, which compares by {@code equals}. The two agree for keys of the
 * immutable library types, enums, and records of those: L1 holds those as themselves, and a hit costs no
 * serialization (the common case: {@code String}, {@code Long}, {@code UUID} keys). Any other key (a
 * {@code HashSet}, whose equal instances may iterate, and so serialize, in different orders; a class
 * whose {@code equals} ignores a field it serializes) is held by its serialized form, so L1 answers for
 * it only where L2 would, at the price of serializing the key on each L1 lookup. One case is left to the
 * record's author: a record of such components that writes its own {@code equals} at odds with them
 * (the compiler's and a hand-written one cannot be told apart at run time).
 */
final class KeyIdentity {

  private KeyIdentity() {}

  /** Whether keys of {@code type} are held as themselves: exactly the types a hit need not copy. */
  static boolean byValue(Class<?> type) {
    return type == String.class || Immutables.isImmutable(type); // String first: the most common key
  }

  /** The L1 key of {@code key}, whose serialized form (as L2 holds it) is {@code k}. */
  static Object of(Object key, Data k) {
    return byValue(key.getClass()) ? key : k;
  }
}
