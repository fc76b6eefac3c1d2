package dev.tiercache.spring;

import dev.tiercache.TierCache;
import com.hazelcast.map.IMap;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinder;
import dev.tiercache.management.CacheStatistics;

/**
 * Micrometer's standard cache meters ({@code cache.gets} by result, {@code cache.puts},
 * {@code cache.evictions}, {@code cache.size}) for one Tiercache cache, plus {@code cache.tier.gets} by
 * tier, read from the statistics that this member counts (so they describe this application
 * instance; {@code cache.size} is cluster-wide). Binding switches the cache's statistics on.
 */
final class TiercacheCacheMeterBinder extends CacheMeterBinder<TierCache<Object, Object>> {

  private final TierCache<Object, Object> cache;

  TiercacheCacheMeterBinder(TierCache<Object, Object> cache, Iterable<Tag> tags) {
    super(cache, cache.getName(), tags);
    this.cache = cache;
    cache.getCacheManager().enableStatistics(cache.getName(), true);
  }

  private CacheStatistics statistics() {
    return cache.statistics();
  }

  /** Entries in the cache cluster-wide: one small operation per member, once per scrape. */
  @Override
  protected Long size() {
    return (long) cache.unwrap(IMap.class).size();
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

  /**
   * {@code cache.tier.gets} by tier: where the values this instance asked for came from: this
   * instance's near cache ({@code l1}), the distributed map ({@code l2}), or a loader ({@code load}).
   */
  @Override
  protected void bindImplementationSpecificMetrics(MeterRegistry registry) {
    FunctionCounter.builder("cache.tier.gets", cache, c -> statistics().getL1Hits())
        .tags(getTagsWithCacheName()).tag("tier", "l1")
        .description("Gets answered from this instance's near cache (L1)")
        .register(registry);
    FunctionCounter.builder("cache.tier.gets", cache, c -> statistics().getL2Hits())
        .tags(getTagsWithCacheName()).tag("tier", "l2")
        .description("Gets answered from the distributed cache (L2)")
        .register(registry);
    FunctionCounter.builder("cache.tier.gets", cache, c -> statistics().getCacheLoads())
        .tags(getTagsWithCacheName()).tag("tier", "load")
        .description("Gets answered by loading from the system of record (L3)")
        .register(registry);
  }
}
