package dev.tiercache.config;

import java.util.Objects;

/**
 * Settings of one cache, or of the default template that every cache without its own entry takes,
 * including caches created from code with a bare {@code MutableConfiguration}.
 *
 * @param maxEntries most entries each member holds for this cache before evicting (L2, per member), or 0
 *     when {@code maxMemory} bounds it
 * @param maxMemory most heap this cache's L2 takes on each member (its entries and the backups it holds)
 *     before evicting, or {@code null} when {@code maxEntries} bounds it
 * @param backups synchronous backup copies of each entry on other members (0 to 6)
 * @param expiry expiry applied when the cache's JCache configuration leaves expiry at its default
 * @param statistics whether JCache statistics are on when the configuration does not say
 * @param management whether the configuration MXBean is registered when the configuration does not say
 * @param keyType key type of a cache created at start-up; {@code Object} otherwise
 * @param valueType value type of a cache created at start-up; {@code Object} otherwise
 * @param writeBehind write-behind for caches that have a cache writer, or {@code null} for write-through
 * @param nearCache the near cache (L1) on each member
 * @param refresh background reloads, for caches that read through a loader
 * @param warmUp preloading when the cache is created, for caches whose loader lists its keys; or {@code null}
 */
public record CacheSettings(
    int maxEntries,
    MemoryBound maxMemory,
    int backups,
    ExpirySetting expiry,
    boolean statistics,
    boolean management,
    Class<?> keyType,
    Class<?> valueType,
    WriteBehindSettings writeBehind,
    NearCacheSettings nearCache,
    RefreshSettings refresh,
    WarmUpSettings warmUp) {

  /**
   * The built-in template: L2 bounded to 20% of each member's heap, one backup, no expiry, statistics off,
   * near cache on, no refresh.
   */
  public static final CacheSettings DEFAULTS = new CacheSettings(0, MemoryBound.ofPercent(20), 1, ExpirySetting.NONE,
      false, false, Object.class, Object.class, null, NearCacheSettings.DEFAULTS, RefreshSettings.NONE, null);

  public CacheSettings {
    if (maxEntries < 0) {
      throw new IllegalArgumentException("max-entries must be at least 1, was " + maxEntries);
    }
    if ((maxEntries > 0) == (maxMemory != null)) {
      throw new IllegalArgumentException("L2 is bounded by one measure: max-entries or max-memory, not both");
    }
    if (backups < 0 || backups > 6) {
      throw new IllegalArgumentException("backups must be between 0 and 6, was " + backups);
    }
    Objects.requireNonNull(expiry, "expiry");
    Objects.requireNonNull(keyType, "keyType");
    Objects.requireNonNull(valueType, "valueType");
    Objects.requireNonNull(nearCache, "nearCache");
    Objects.requireNonNull(refresh, "refresh");
  }
}
