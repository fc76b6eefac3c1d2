package dev.tiercache.config;

/**
 * Warming a cache when it is created: one member of the cluster loads every key of its key source (the
 * loader's own list of keys, such as {@code JdbcCacheStore}'s table, or keys given in code) through the
 * cache's loader, {@code batchSize} keys per {@code loadAll}, in the background; the cache answers
 * meanwhile (a read of a key not loaded yet loads it). Keys already present are left as they are. The
 * cluster warms a cache once: a member that opens it while another warms it, or after, does not.
 *
 * @param batchSize keys per {@code loadAll} call (1 to 100,000)
 */
public record WarmUpSettings(int batchSize) implements java.io.Serializable {

  /** Batches of 1,000 keys. */
  public static final WarmUpSettings DEFAULTS = new WarmUpSettings(1_000);

  public WarmUpSettings {
    if (batchSize < 1 || batchSize > 100_000) {
      throw new IllegalArgumentException("warm-up batch-size must be between 1 and 100000, was " + batchSize);
    }
  }
}
