package dev.tiercache.spring;

import dev.tiercache.TierCache;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinder;
import javax.cache.management.CacheStatisticsMXBean;

/**
 * Micrometer's standard cache meters ({@code cache.gets} by result, {@code cache.puts},
 * {@code cache.evictions}, {@code cache.size}) for one Tiercache cache, read from the JCache statistics
 * that this member counts (so they describe this application instance). Binding switches the cache's
 * statistics on.
 */
final class TiercacheCacheMeterBinder extends CacheMeterBinder<TierCache<Object, Object>> {

  private final TierCache<Object, Object> cache;

  TiercacheCacheMeterBinder(TierCache<Object, Object> cache, Iterable<Tag> tags) {
    super(cache, cache.getName(), tags);
    this.cache = cache;
    cache.getCacheManager().enableStatistics(cache.getName(), true);
  }

  private CacheStatisticsMXBean statistics() {
    return cache.statistics();
  }

  @Override
  protected Long size() {
    return null; // a cluster-wide count would cost a round trip to every member per scrape
  }

  @Override
  protected long hitCount() {
    return statistics().getCacheHits();
  }

  @Override
  protected Long missCount() {
    return statistics().getCacheMisses();
  }

  @Override
  protected Long evictionCount() {
    return statistics().getCacheEvictions();
  }

  @Override
  protected long putCount() {
    return statistics().getCachePuts();
  }

  @Override
  protected void bindImplementationSpecificMetrics(MeterRegistry registry) {
    // tier-specific meters (L1 hit, L2 hit, load) arrive with the near cache
  }
}
