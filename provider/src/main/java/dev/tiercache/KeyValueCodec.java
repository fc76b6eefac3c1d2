package dev.tiercache;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.HeapData;
import dev.tiercache.cluster.CacheRecord;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import javax.cache.configuration.CompleteConfiguration;

/**
 * The checks and the serialized forms of one cache's keys and values. Store by value starts here: a key
 * is serialized once per call and used as is for every L2 call, a value is stored as its serialized
 * bytes, and every value handed out is deserialized afresh, a private copy. A key or value that fails
 * a check or cannot be serialized is refused with a message naming the cache, before anything changes.
 */
final class KeyValueCodec<K, V> {

  /**
   * The largest serialized value a cache takes: a sixteenth of this JVM's heap. A value takes several
   * times its size while it is stored (the caller's bytes, the record, the owner's copy and a backup's,
   * which in one JVM share the heap), so a larger one would risk the member itself; it is refused, with
   * nothing changed, and the member carries on.
   */
  static final long MAX_VALUE_BYTES = Runtime.getRuntime().maxMemory() / 16;

  private final String cacheName;
  private final SerializationService serialization;
  private final Class<?> keyType;
  private final Class<?> valueType;

  KeyValueCodec(String cacheName, SerializationService serialization, CompleteConfiguration<K, V> configuration) {
    this.cacheName = cacheName;
    this.serialization = serialization;
    this.keyType = configuration.getKeyType();
    this.valueType = configuration.getValueType();
  }

  /** The serialized forms of a batch's keys and values, by key, in the batch's order. */
  record Batch<K>(Map<K, Data> keys, Map<K, byte[]> values) {}

  /** Checks every entry of a batch, then serializes them all: a bad entry fails the batch before any is serialized. */
  Batch<K> serializeAll(Map<? extends K, ? extends V> entries) {
    for (Map.Entry<? extends K, ? extends V> e : entries.entrySet()) {
      requireKey(e.getKey());
      requireValue(e.getValue());
    }
    Map<K, Data> keys = new LinkedHashMap<>();
    Map<K, byte[]> values = new HashMap<>();
    for (Map.Entry<? extends K, ? extends V> e : entries.entrySet()) {
      keys.put(e.getKey(), keyData(e.getKey()));
      values.put(e.getKey(), valueBytes(e.getValue()));
    }
    return new Batch<>(keys, values);
  }

  /** The serialized form of each key, in the order given. */
  Map<K, Data> keysData(Collection<K> keys) {
    Map<K, Data> byKey = new LinkedHashMap<>();
    for (K key : keys) {
      byKey.put(key, keyData(key));
    }
    return byKey;
  }

  Data keyData(K key) {
    return toData(key, "key");
  }

  byte[] valueBytes(V value) {
    // A string or byte array serializes to at least its length: one too long is refused before its
    // serialization, which would itself take twice its size again.
    long atLeast = value instanceof String s ? s.length() : value instanceof byte[] b ? b.length : 0;
    if (atLeast > MAX_VALUE_BYTES) {
      throw tooLarge(atLeast, "at least ");
    }
    byte[] bytes = toData(value, "value").toByteArray();
    if (bytes.length > MAX_VALUE_BYTES) {
      throw tooLarge(bytes.length, "");
    }
    return bytes;
  }

  private javax.cache.CacheException tooLarge(long size, String qualifier) {
    return new javax.cache.CacheException(String.format(java.util.Locale.ROOT, "Cache %s refuses a value of %s%,d "
        + "bytes serialized: the largest it takes is %,d bytes, a sixteenth of the member's heap", cacheName,
        qualifier, size, MAX_VALUE_BYTES));
  }

  /** The key of a serialized key, deserialized. */
  @SuppressWarnings("unchecked")
  K keyOf(Data k) {
    return (K) serialization.toObject(k);
  }

  V toValue(CacheRecord record) {
    return valueOf(record.value());
  }

  /** A private copy of a value from its serialized form. */
  @SuppressWarnings("unchecked")
  V valueOf(byte[] serialized) {
    return (V) serialization.toObject(new HeapData(serialized));
  }

  K requireKey(K key) {
    Objects.requireNonNull(key, "key");
    return checkType(key, keyType, "key");
  }

  V requireValue(V value) {
    Objects.requireNonNull(value, "value");
    return checkValueType(value);
  }

  /** A value that did not come through {@link #requireValue} (a loader's, an entry processor's), checked. */
  V checkValueType(V value) {
    return checkType(value, valueType, "value");
  }

  void requireNoNulls(Collection<?> keys, String what) {
    Objects.requireNonNull(keys, what);
    for (Object key : keys) {
      Objects.requireNonNull(key, "a null element in " + what);
      checkType(key, keyType, "key");
    }
  }

  private <T> T checkType(T object, Class<?> type, String what) {
    if (type != Object.class && !type.isInstance(object)) {
      throw new ClassCastException("Cache " + cacheName + " takes " + what + "s of type " + type.getName()
          + ", not " + object.getClass().getName());
    }
    return object;
  }

  private Data toData(Object object, String what) {
    try {
      return serialization.toData(object);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("Cache " + cacheName + " stores by value and cannot serialize the " + what
          + " of type " + object.getClass().getName() + ": " + rootMessage(e)
          + ". Make the class Serializable or register a Hazelcast serializer for it.", e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
