package dev.tiercache.config;

/**
 * The near cache (L1) of one cache: a bounded Caffeine cache on every member that uses the cache, in
 * front of the shared map. On by default.
 *
 * @param enabled whether reads keep values on this member
 * @param maxEntries most entries each member keeps (Caffeine's W-TinyLFU eviction beyond that)
 * @param timeToLiveMillis longest an entry stays in L1 after it was read from L2, or 0 for no cap
 *     (entries still follow the cache's own expiry)
 * @param repairIntervalMillis bound on how long an entry can stay stale when its invalidation message
 *     was lost: every member checks its entries against L2 twice per interval
 */
public record NearCacheSettings(boolean enabled, int maxEntries, long timeToLiveMillis, long repairIntervalMillis) {

  /** On, 10,000 entries per member, no time-to-live cap, repaired within 1 s. */
  public static final NearCacheSettings DEFAULTS = new NearCacheSettings(true, 10_000, 0, 1_000);

  /** Every read goes to L2. */
  public static final NearCacheSettings DISABLED = new NearCacheSettings(false, 10_000, 0, 1_000);

  /** The shortest repair interval allowed. */
  public static final long MIN_REPAIR_INTERVAL_MILLIS = 20;

  public NearCacheSettings {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("near-cache max-entries must be at least 1, was " + maxEntries);
    }
    if (timeToLiveMillis < 0) {
      throw new IllegalArgumentException("near-cache time-to-live must not be negative, was " + timeToLiveMillis);
    }
    if (repairIntervalMillis < MIN_REPAIR_INTERVAL_MILLIS) {
      throw new IllegalArgumentException("near-cache repair-interval must be at least "
          + MIN_REPAIR_INTERVAL_MILLIS + " ms, was "
          + repairIntervalMillis);
    }
  }

  public NearCacheSettings withEnabled(boolean on) {
    return new NearCacheSettings(on, maxEntries, timeToLiveMillis, repairIntervalMillis);
  }

  public NearCacheSettings withMaxEntries(int entries) {
    return new NearCacheSettings(enabled, entries, timeToLiveMillis, repairIntervalMillis);
  }

  public NearCacheSettings withTimeToLiveMillis(long millis) {
    return new NearCacheSettings(enabled, maxEntries, millis, repairIntervalMillis);
  }

  public NearCacheSettings withRepairIntervalMillis(long millis) {
    return new NearCacheSettings(enabled, maxEntries, timeToLiveMillis, millis);
  }
}
