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
 * @param warmUpKeys when this member opens the cache, it fills its near cache with up to this many of
 *     the keys hottest in the other members' near caches (0: it starts empty)
 * @param maxMemory most heap the near cache takes on each member, weighing each entry by the serialized
 *     size of its key and value plus a fixed overhead; evicts beyond it as beyond {@code maxEntries}
 */
public record NearCacheSettings(boolean enabled, int maxEntries, long timeToLiveMillis, long repairIntervalMillis,
    int warmUpKeys, MemoryBound maxMemory) implements java.io.Serializable {

  /** The heap a near cache takes at most unless told: a twentieth of the member's. */
  public static final MemoryBound DEFAULT_MAX_MEMORY = MemoryBound.ofPercent(5);

  /** On, 10,000 entries and 5% of the heap per member, no time-to-live cap, repaired within 1 s, starting empty. */
  public static final NearCacheSettings DEFAULTS = new NearCacheSettings(true, 10_000, 0, 1_000, 0);

  /** Every read goes to L2. */
  public static final NearCacheSettings DISABLED = new NearCacheSettings(false, 10_000, 0, 1_000, 0);

  /** Settings that start the near cache empty. */
  public NearCacheSettings(boolean enabled, int maxEntries, long timeToLiveMillis, long repairIntervalMillis) {
    this(enabled, maxEntries, timeToLiveMillis, repairIntervalMillis, 0);
  }

  /** Settings bounded to the default share of the heap. */
  public NearCacheSettings(boolean enabled, int maxEntries, long timeToLiveMillis, long repairIntervalMillis,
      int warmUpKeys) {
    this(enabled, maxEntries, timeToLiveMillis, repairIntervalMillis, warmUpKeys, DEFAULT_MAX_MEMORY);
  }

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
    if (warmUpKeys < 0) {
      throw new IllegalArgumentException("near-cache warm-up must not be negative, was " + warmUpKeys);
    }
    java.util.Objects.requireNonNull(maxMemory, "maxMemory");
  }

  public NearCacheSettings withEnabled(boolean on) {
    return new NearCacheSettings(on, maxEntries, timeToLiveMillis, repairIntervalMillis, warmUpKeys, maxMemory);
  }

  public NearCacheSettings withMaxEntries(int entries) {
    return new NearCacheSettings(enabled, entries, timeToLiveMillis, repairIntervalMillis, warmUpKeys, maxMemory);
  }

  public NearCacheSettings withTimeToLiveMillis(long millis) {
    return new NearCacheSettings(enabled, maxEntries, millis, repairIntervalMillis, warmUpKeys, maxMemory);
  }

  public NearCacheSettings withRepairIntervalMillis(long millis) {
    return new NearCacheSettings(enabled, maxEntries, timeToLiveMillis, millis, warmUpKeys, maxMemory);
  }

  /** Fill the near cache, when this member opens the cache, with up to {@code keys} keys hot elsewhere. */
  public NearCacheSettings withWarmUpKeys(int keys) {
    return new NearCacheSettings(enabled, maxEntries, timeToLiveMillis, repairIntervalMillis, keys, maxMemory);
  }

  /** Bound the near cache to {@code memory} of heap per member. */
  public NearCacheSettings withMaxMemory(MemoryBound memory) {
    return new NearCacheSettings(enabled, maxEntries, timeToLiveMillis, repairIntervalMillis, warmUpKeys, memory);
  }
}
