package dev.tiercache;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import javax.cache.integration.CacheLoader;

/** A test loader that only needs {@code load}: {@code loadAll} loads key by key. */
public interface KeyByKeyLoader<K, V> extends CacheLoader<K, V>, Serializable {

  @Override
  default Map<K, V> loadAll(Iterable<? extends K> keys) {
    Map<K, V> values = new HashMap<>();
    keys.forEach(key -> values.put(key, load(key)));
    return values;
  }
}
