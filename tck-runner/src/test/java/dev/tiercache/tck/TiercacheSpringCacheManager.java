package dev.tiercache.tck;

import java.util.ArrayList;
import java.util.Collection;
import javax.cache.CacheException;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.jcache.JCacheCache;

/**
 * A Spring {@link CacheManager} over Tiercache for the TCK's annotation tests. Two differences from
 * Spring's stock {@code JCacheCacheManager}, both needed here: a cache that does not exist yet is
 * created on first use (JSR-107's default resolver does that, and the TCK expects {@code blogManager},
 * {@code blgMngr} and a generated default name to appear), and the JCache CacheManager is looked up on
 * every call, because other TCK classes running in the same JVM close the provider's managers.
 */
final class TiercacheSpringCacheManager implements CacheManager {

  @Override
  public Cache getCache(String name) {
    javax.cache.CacheManager manager = Caching.getCachingProvider().getCacheManager();
    javax.cache.Cache<Object, Object> cache = manager.getCache(name);
    if (cache == null) {
      try {
        cache = manager.createCache(name, new MutableConfiguration<>());
      } catch (CacheException createdMeanwhile) {
        cache = manager.getCache(name);
      }
    }
    return new JCacheCache(cache);
  }

  @Override
  public Collection<String> getCacheNames() {
    Collection<String> names = new ArrayList<>();
    Caching.getCachingProvider().getCacheManager().getCacheNames().forEach(names::add);
    return names;
  }
}
