package dev.tiercache.integration;

/**
 * A {@code CacheLoader} that can list every key it has, so that a cache configured to warm up can be
 * preloaded from it ({@code warm-up} in {@code tiercache.yaml}). {@link JdbcCacheStore} lists its
 * table's keys.
 */
public interface KeyLister<K> {

  /**
   * Every key, read lazily: iterating fetches them a page at a time, so the whole list is never held.
   * Keys added or removed while iterating may or may not appear.
   */
  Iterable<K> allKeys();
}
