package dev.tiercache.spring;

import dev.tiercache.TierCache;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.cache.CacheException;
import javax.cache.configuration.MutableConfiguration;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * A Spring {@link CacheManager} over a Tiercache JCache {@code CacheManager}. A cache that does not exist
 * is created on first use with a bare configuration, so it takes the {@code tiercache.yaml} template
 * (bounds, backups, expiry), unless {@link #setCreateMissingCaches} turned that off, in which case an
 * unknown name is an error that names it.
 */
public final class TiercacheCacheManager implements CacheManager {

  private final javax.cache.CacheManager jcache;
  private final boolean allowNullValues;
  private final Map<String, TiercacheCache> caches = new ConcurrentHashMap<>();
  private volatile boolean createMissingCaches = true;

  public TiercacheCacheManager(javax.cache.CacheManager jcache, boolean allowNullValues) {
    this.jcache = Objects.requireNonNull(jcache, "jcache");
    this.allowNullValues = allowNullValues;
  }

  /** Whether an unknown cache name makes a new cache (default) or is refused. */
  public void setCreateMissingCaches(boolean create) {
    this.createMissingCaches = create;
  }

  /** The JCache CacheManager underneath. */
  public javax.cache.CacheManager getJCacheManager() {
    return jcache;
  }

  @Override
  public Cache getCache(String name) {
    return caches.computeIfAbsent(name, this::open);
  }

  @SuppressWarnings("unchecked")
  private TiercacheCache open(String name) {
    javax.cache.Cache<Object, Object> cache = jcache.getCache(name);
    if (cache == null) {
      if (!createMissingCaches) {
        throw new IllegalArgumentException("No Tiercache cache named '" + name + "': list it under tiercache.caches "
            + "in " + jcache.getURI() + " or under tiercache.cache-names, or allow caches to be created on use");
      }
      try {
        cache = jcache.createCache(name, new MutableConfiguration<>());
      } catch (CacheException createdMeanwhile) {
        cache = jcache.getCache(name);
      }
    }
    return new TiercacheCache(cache.unwrap(TierCache.class), allowNullValues);
  }

  /** The caches this application has opened through Spring, by name (a snapshot). */
  Map<String, TierCache<Object, Object>> openCaches() {
    Map<String, TierCache<Object, Object>> open = new java.util.TreeMap<>();
    caches.forEach((name, cache) -> open.put(name, cache.getNativeCache()));
    return open;
  }

  /** Closes the JCache CacheManager (and gives back its member); Spring calls it when the context closes. */
  public void close() {
    jcache.close();
  }

  @Override
  public Collection<String> getCacheNames() {
    Collection<String> names = new ArrayList<>();
    jcache.getCacheNames().forEach(names::add);
    return names;
  }
}
