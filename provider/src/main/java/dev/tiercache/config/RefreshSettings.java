package dev.tiercache.config;

/**
 * Refresh-ahead and stale-while-revalidate for a cache with a {@code CacheLoader}: a read of an entry
 * past its refresh point returns the value it has at once and starts one background reload,
 * cluster-wide, so that readers of a key that has a value never wait for the system of record.
 *
 * <ul>
 *   <li>{@code afterPercent}: the refresh point as a share of the entry's time to live (80: a value
 *       that lives 10 minutes is reloaded by the first read after 8); 0 for the end of its time to live.
 *   <li>{@code serveStaleMillis}: how long past its time to live an entry is still served (stale) while
 *       it is reloaded; the entry is kept that much longer and expires, with its EXPIRED event, only
 *       then. 0 for none.
 * </ul>
 * A reload that fails keeps the value (until it expires) and is counted; the next read after a while
 * tries again. Entries that never expire are never refreshed.
 */
public record RefreshSettings(int afterPercent, long serveStaleMillis) implements java.io.Serializable {

  /** No refresh: an entry is loaded again only after it expired, by the read that misses it. */
  public static final RefreshSettings NONE = new RefreshSettings(0, 0);

  public RefreshSettings {
    if (afterPercent < 0 || afterPercent > 100) {
      throw new IllegalArgumentException("refresh after must be between 1% and 100%, was " + afterPercent + "%");
    }
    if (serveStaleMillis < 0) {
      throw new IllegalArgumentException("serve-stale-for must not be negative, was " + serveStaleMillis + " ms");
    }
  }

  /** Reload from {@code percent}% (1 to 100) of each entry's time to live. */
  public static RefreshSettings after(int percent) {
    if (percent < 1) {
      throw new IllegalArgumentException("refresh after must be between 1% and 100%, was " + percent + "%");
    }
    return new RefreshSettings(percent, 0);
  }

  /** Serve an entry up to {@code window} past its time to live while it is reloaded. */
  public RefreshSettings servingStaleFor(java.time.Duration window) {
    return new RefreshSettings(afterPercent, window.toMillis());
  }

  public boolean isNone() {
    return afterPercent == 0 && serveStaleMillis == 0;
  }

  @Override
  public String toString() {
    return isNone() ? "none" : "after " + (afterPercent == 0 ? 100 : afterPercent) + "%, serve stale for "
        + serveStaleMillis + " ms";
  }
}
