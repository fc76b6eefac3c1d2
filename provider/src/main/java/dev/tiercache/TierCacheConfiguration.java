package dev.tiercache;

import dev.tiercache.config.ExpiryJitter;
import dev.tiercache.config.NearCacheSettings;
import dev.tiercache.config.RefreshSettings;
import dev.tiercache.config.WarmUpSettings;
import dev.tiercache.config.WriteBehindSettings;
import java.util.Objects;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.Factory;
import javax.cache.configuration.MutableConfiguration;

/**
 * A JCache configuration with Tiercache's extensions; pass it to {@code CacheManager.createCache}
 * wherever a {@link MutableConfiguration} goes. The extensions: with a cache writer and write-through
 * on, {@link #setWriteBehind} makes the writer receive changes later, in batches, instead of inside each
 * call; {@link #setNearCache} sets the near cache (L1) of this cache on every member that uses it,
 * instead of the configuration file's template; {@link #setExpiryJitter} spreads each entry's expiry;
 * {@link #setRefresh} reloads entries in the background before (or while) they expire;
 * {@link #setWarmUp} and {@link #setWarmUpKeys} preload the cache when it is created. Each left
 * {@code null} is taken from the configuration file.
 */
public final class TierCacheConfiguration<K, V> extends MutableConfiguration<K, V> {

  private static final long serialVersionUID = 1L;

  private WriteBehindSettings writeBehind;
  private NearCacheSettings nearCache;
  private ExpiryJitter expiryJitter;
  private RefreshSettings refresh;
  private WarmUpSettings warmUp;
  private Factory<? extends Iterable<K>> warmUpKeys;

  public TierCacheConfiguration() {}

  /** A copy of {@code configuration}, with its Tiercache extensions if it has any. */
  public TierCacheConfiguration(CompleteConfiguration<K, V> configuration) {
    super(configuration);
    if (configuration instanceof TierCacheConfiguration<K, V> tiercache) {
      this.writeBehind = tiercache.writeBehind;
      this.nearCache = tiercache.nearCache;
      this.expiryJitter = tiercache.expiryJitter;
      this.refresh = tiercache.refresh;
      this.warmUp = tiercache.warmUp;
      this.warmUpKeys = tiercache.warmUpKeys;
    }
  }

  /** Write-behind settings, or {@code null} when the writer (if any) is called inside each operation. */
  public WriteBehindSettings getWriteBehind() {
    return writeBehind;
  }

  /**
   * Turns write-behind on ({@code null} turns it off). It applies when the configuration also has a
   * cache writer and write-through on.
   */
  public TierCacheConfiguration<K, V> setWriteBehind(WriteBehindSettings writeBehind) {
    this.writeBehind = writeBehind;
    return this;
  }

  /** Near cache settings, or {@code null} to take those of the configuration file (on by default). */
  public NearCacheSettings getNearCache() {
    return nearCache;
  }

  /**
   * Sets the near cache (L1) for this cache; {@link NearCacheSettings#DISABLED} turns it off, {@code null}
   * leaves it to the configuration file.
   */
  public TierCacheConfiguration<K, V> setNearCache(NearCacheSettings nearCache) {
    this.nearCache = nearCache;
    return this;
  }

  /** The expiry jitter, or {@code null} to take the configuration file's (none by default). */
  public ExpiryJitter getExpiryJitter() {
    return expiryJitter;
  }

  /**
   * Spreads each entry's expiry by a random extra of up to the jitter (see {@link ExpiryJitter}), whatever
   * the expiry policy; {@link ExpiryJitter#NONE} turns it off, {@code null} leaves it to the file.
   */
  public TierCacheConfiguration<K, V> setExpiryJitter(ExpiryJitter expiryJitter) {
    this.expiryJitter = expiryJitter;
    return this;
  }

  /** Refresh-ahead and stale-while-revalidate, or {@code null} to take the configuration file's (none). */
  public RefreshSettings getRefresh() {
    return refresh;
  }

  /**
   * Reloads entries in the background (see {@link RefreshSettings}); needs a {@code CacheLoader} with
   * read-through on, or {@code createCache} refuses the configuration. {@link RefreshSettings#NONE} turns
   * it off, {@code null} leaves it to the file (whose refresh applies only to caches that read through).
   */
  public TierCacheConfiguration<K, V> setRefresh(RefreshSettings refresh) {
    this.refresh = refresh;
    return this;
  }

  /** Warm-up when the cache is created, or {@code null} to take the configuration file's (none). */
  public WarmUpSettings getWarmUp() {
    return warmUp;
  }

  /**
   * Preloads the cache through its loader when it is created (see {@link WarmUpSettings}), from the keys
   * of {@link #setWarmUpKeys}, or else from the loader's own list ({@code KeyLister}, as
   * {@code JdbcCacheStore}); {@code createCache} refuses a warm-up with no loader or no keys.
   */
  public TierCacheConfiguration<K, V> setWarmUp(WarmUpSettings warmUp) {
    this.warmUp = warmUp;
    return this;
  }

  /** The keys a warm-up loads, or {@code null} for the loader's own list. */
  public Factory<? extends Iterable<K>> getWarmUpKeys() {
    return warmUpKeys;
  }

  /**
   * The keys to warm the cache with (created on the member that warms it, and iterated once); turns the
   * warm-up on with {@link WarmUpSettings#DEFAULTS} if it is not set.
   */
  public TierCacheConfiguration<K, V> setWarmUpKeys(Factory<? extends Iterable<K>> keys) {
    this.warmUpKeys = keys;
    if (keys != null && warmUp == null) {
      warmUp = WarmUpSettings.DEFAULTS;
    }
    return this;
  }

  /**
   * Equal to any configuration with the same JCache settings; against another Tiercache configuration
   * the extensions must match too. A plain {@code MutableConfiguration} compares JCache settings only, so
   * this keeps equality symmetric, and the hash code is the JCache one.
   */
  @Override
  public boolean equals(Object other) {
    if (!super.equals(other)) {
      return false;
    }
    return !(other instanceof TierCacheConfiguration<?, ?> theirs)
        || (Objects.equals(writeBehind, theirs.writeBehind) && Objects.equals(nearCache, theirs.nearCache)
            && Objects.equals(expiryJitter, theirs.expiryJitter) && Objects.equals(refresh, theirs.refresh)
            && Objects.equals(warmUp, theirs.warmUp) && Objects.equals(warmUpKeys, theirs.warmUpKeys));
  }

  /** Whether a cache of this configuration writes behind (the settings, a writer, and write-through on). */
  static boolean writesBehind(CompleteConfiguration<?, ?> configuration) {
    return configuration instanceof TierCacheConfiguration<?, ?> tiercache && tiercache.getWriteBehind() != null
        && configuration.getCacheWriterFactory() != null && configuration.isWriteThrough();
  }

  @Override
  public int hashCode() {
    return super.hashCode();
  }
}
