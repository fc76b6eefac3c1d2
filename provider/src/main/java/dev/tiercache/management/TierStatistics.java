package dev.tiercache.management;

import java.util.function.LongSupplier;

/** The {@link TierStatisticsMXBean} of one cache: its JCache counters plus the near cache's own. */
public final class TierStatistics implements TierStatisticsMXBean {

  private final CacheStatistics statistics;
  private final LongSupplier nearCacheSize;
  private final LongSupplier nearCacheInvalidations;
  private final LongSupplier nearCacheRepairs;

  /** The suppliers answer 0 when the cache has no near cache. */
  public TierStatistics(CacheStatistics statistics, LongSupplier nearCacheSize, LongSupplier nearCacheInvalidations,
      LongSupplier nearCacheRepairs) {
    this.statistics = statistics;
    this.nearCacheSize = nearCacheSize;
    this.nearCacheInvalidations = nearCacheInvalidations;
    this.nearCacheRepairs = nearCacheRepairs;
  }

  @Override
  public long getL1Hits() {
    return statistics.getL1Hits();
  }

  @Override
  public long getL2Hits() {
    return statistics.getL2Hits();
  }

  @Override
  public long getMisses() {
    return statistics.getCacheMisses();
  }

  @Override
  public long getLoads() {
    return statistics.getCacheLoads();
  }

  @Override
  public long getRefreshes() {
    return statistics.getRefreshes();
  }

  @Override
  public long getRefreshFailures() {
    return statistics.getRefreshFailures();
  }

  @Override
  public long getStaleHits() {
    return statistics.getStaleHits();
  }

  @Override
  public long getNearCacheSize() {
    return nearCacheSize.getAsLong();
  }

  @Override
  public long getNearCacheInvalidations() {
    return nearCacheInvalidations.getAsLong();
  }

  @Override
  public long getNearCacheRepairs() {
    return nearCacheRepairs.getAsLong();
  }
}
