package dev.tiercache.management;

import com.hazelcast.map.IMap;
import dev.tiercache.TierCache;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinder;
import javax.cache.Cache;

/**
 * Micrometer meters for one Tiercache cache, for any application that has Micrometer: plain Java,
 * Quarkus, Micronaut; Tiercache's Spring Boot support binds the same ones. Micrometer's standard cache
 * meters ({@code cache.gets} by result, {@code cache.puts}, {@code cache.evictions}, {@code cache.size})
 * plus {@code cache.tier.gets} by tier ({@code l1}, {@code l2}, {@code load}) and
 * {@code cache.partitions.lost} (data lost with more members than backups: see
 * {@link TierCache#lostPartitions()}), read from the statistics this member counts (they describe this application instance; {@code cache.size} is cluster-wide).
 * Binding switches the cache's statistics on. Micrometer is an optional dependency of the provider:
 * this class is the only one that needs it.
 *
 * <pre>{@code
 * TiercacheMetrics.monitor(registry, cache, "app", "orders-service");
 * }</pre>
 */
public final class TiercacheMetrics extends CacheMeterBinder<TierCache<?, ?>> {

  private final TierCache<?, ?> cache;

  /** Meters for {@code cache} (a Tiercache cache, as {@link TierCache#of} accepts), with {@code tags}. */
  public TiercacheMetrics(Cache<?, ?> cache, Iterable<Tag> tags) {
    this(TierCache.of(cache), tags);
  }

  private TiercacheMetrics(TierCache<?, ?> cache, Iterable<Tag> tags) {
    super(cache, cache.getName(), tags);
    this.cache = cache;
    cache.getCacheManager().enableStatistics(cache.getName(), true);
  }

  /** Binds the meters of {@code cache} to {@code registry}; {@code tags}: key, value, key, value... */
  public static <C extends Cache<?, ?>> C monitor(MeterRegistry registry, C cache, String... tags) {
    new TiercacheMetrics(cache, Tags.of(tags)).bindTo(registry);
    return cache;
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
    FunctionCounter.builder("cache.partitions.lost", cache, TierCache::lostPartitions)
        .tags(getTagsWithCacheName())
        .description("Partitions of the cache's data lost with more members than its backups")
        .register(registry);
  }
}
