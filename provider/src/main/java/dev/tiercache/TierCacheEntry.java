package dev.tiercache;

import java.util.Map;
import java.util.Objects;
import javax.cache.Cache;

/** A key and value handed out by a Tiercache cache (iteration) or to a cache writer. */
public final class TierCacheEntry<K, V> implements Cache.Entry<K, V> {

  private final K key;
  private final V value;

  TierCacheEntry(K key, V value) {
    this.key = key;
    this.value = value;
  }

  @Override
  public K getKey() {
    return key;
  }

  @Override
  public V getValue() {
    return value;
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    throw new IllegalArgumentException("A cache entry cannot be unwrapped to " + clazz.getName());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cache.Entry<?, ?> other && Objects.equals(key, other.getKey())
        && Objects.equals(value, other.getValue());
  }

  @Override
  public int hashCode() {
    return Map.entry(key, value).hashCode();
  }

  @Override
  public String toString() {
    return key + "=" + value;
  }
}
