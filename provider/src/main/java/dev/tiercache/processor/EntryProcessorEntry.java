package dev.tiercache.processor;

import java.util.Objects;
import java.util.function.Function;
import javax.cache.processor.MutableEntry;

/**
 * The entry an {@code EntryProcessor} works on. It records what the processor did rather than
 * doing it: the cache applies only the net effect, after {@code process} returns, and nothing at all
 * if it throws (JCache: "only the net effect is visible"). Setting a value on an absent key and then
 * removing it is therefore no change; removing an existing key and setting it again is one update.
 */
public final class EntryProcessorEntry<K, V> implements MutableEntry<K, V> {

  /** What the processor's calls add up to. */
  public enum Outcome {
    /** Nothing read, nothing changed. */
    NONE,
    /** The existing value was read. */
    ACCESS,
    /** The value was loaded through the cache loader (stored, not written through). */
    LOAD,
    /** A new value for a key that had none. */
    CREATE,
    /** A new value for a key that had one. */
    UPDATE,
    /** The key is to be removed (the writer's delete is called even if it had no value). */
    REMOVE
  }

  private final K key;
  private final boolean existed;
  private final Function<K, V> loader;
  private V value;
  private Outcome outcome = Outcome.NONE;
  private boolean loadTried;

  /**
   * @param key the entry's key
   * @param existingValue its current value, or {@code null} if it has none
   * @param loader loads a missing value on {@link #getValue()}, or {@code null} without read-through
   */
  public EntryProcessorEntry(K key, V existingValue, Function<K, V> loader) {
    this.key = key;
    this.value = existingValue;
    this.existed = existingValue != null;
    this.loader = loader;
  }

  @Override
  public K getKey() {
    return key;
  }

  @Override
  public boolean exists() {
    return value != null;
  }

  @Override
  public V getValue() {
    if (value == null && outcome == Outcome.NONE && !existed && loader != null && !loadTried) {
      loadTried = true;
      value = loader.apply(key);
      if (value != null) {
        outcome = Outcome.LOAD;
      }
    } else if (value != null && outcome == Outcome.NONE) {
      outcome = Outcome.ACCESS;
    }
    return value;
  }

  @Override
  public void setValue(V newValue) {
    Objects.requireNonNull(newValue, "an entry processor cannot set a null value; use remove()");
    value = newValue;
    outcome = existed ? Outcome.UPDATE : Outcome.CREATE;
  }

  @Override
  public void remove() {
    value = null;
    if (outcome == Outcome.CREATE || outcome == Outcome.LOAD) {
      outcome = existed ? Outcome.REMOVE : Outcome.NONE;
    } else {
      outcome = Outcome.REMOVE;
    }
  }

  public Outcome outcome() {
    return outcome;
  }

  /** Whether the key had a value before the processor ran. */
  public boolean existed() {
    return existed;
  }

  /** The value after the processor ran ({@code null} if none). */
  public V value() {
    return value;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    throw new IllegalArgumentException("Cannot unwrap a mutable entry to " + clazz.getName());
  }
}
