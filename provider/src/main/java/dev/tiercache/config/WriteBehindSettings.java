package dev.tiercache.config;

import java.util.Objects;

/**
 * Write-behind for one cache: the cache acknowledges a change once L2 holds it, and the cache writer
 * receives it later, in batches, coalesced per key.
 *
 * @param delayMillis how long a change waits before it is written; changes to one key within the wait
 *     are coalesced into the latest
 * @param batchSize most entries per {@code writeAll} or {@code deleteAll} call
 * @param maxBacklog most changes waiting to be written, cluster-wide; beyond it {@link #whenFull()} applies
 * @param whenFull what a write does when the backlog is full
 * @param maxRetryDelayMillis longest wait between two attempts after the writer failed (the wait
 *     doubles from 100 ms up to this)
 * @param maxAttempts how many times one change may fail alone, in rounds where the writer takes other
 *     changes, before it goes to the dead letters: a change the writer cannot take (a poison record) must
 *     not hold up the others, while an outage (nothing taken) dead-letters nothing
 */
public record WriteBehindSettings(long delayMillis, int batchSize, int maxBacklog, WhenFull whenFull,
    long maxRetryDelayMillis, int maxAttempts) implements java.io.Serializable {

  /** The default of {@link #maxAttempts()}. */
  public static final int DEFAULT_MAX_ATTEMPTS = 10;

  /** What a write does when the backlog is full. Neither drops a write. */
  public enum WhenFull {
    /** Wait (up to 30 s) until the backlog has room, then fail with a {@code CacheWriterException}. */
    BLOCK,
    /** Fail at once with a {@code CacheWriterException}; the cache is unchanged. */
    REJECT
  }

  /** 1 s delay, batches of 1,000, a backlog of 1,000,000, block when full, retries up to every 30 s. */
  public static final WriteBehindSettings DEFAULTS = new WriteBehindSettings(1_000, 1_000, 1_000_000,
      WhenFull.BLOCK, 30_000);

  /** With the default {@link #maxAttempts()}. */
  public WriteBehindSettings(long delayMillis, int batchSize, int maxBacklog, WhenFull whenFull,
      long maxRetryDelayMillis) {
    this(delayMillis, batchSize, maxBacklog, whenFull, maxRetryDelayMillis, DEFAULT_MAX_ATTEMPTS);
  }

  public WriteBehindSettings {
    if (delayMillis < 0) {
      throw new IllegalArgumentException("write-behind delay must not be negative, was " + delayMillis);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("write-behind batch size must be at least 1, was " + batchSize);
    }
    if (maxBacklog < 1) {
      throw new IllegalArgumentException("write-behind backlog must be at least 1, was " + maxBacklog);
    }
    Objects.requireNonNull(whenFull, "whenFull");
    if (maxRetryDelayMillis < 100) {
      throw new IllegalArgumentException("write-behind max retry delay must be at least 100 ms");
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("write-behind max attempts must be at least 1, was " + maxAttempts);
    }
  }

  public WriteBehindSettings withDelayMillis(long delay) {
    return new WriteBehindSettings(delay, batchSize, maxBacklog, whenFull, maxRetryDelayMillis, maxAttempts);
  }

  public WriteBehindSettings withBatchSize(int size) {
    return new WriteBehindSettings(delayMillis, size, maxBacklog, whenFull, maxRetryDelayMillis, maxAttempts);
  }

  public WriteBehindSettings withMaxBacklog(int backlog, WhenFull policy) {
    return new WriteBehindSettings(delayMillis, batchSize, backlog, policy, maxRetryDelayMillis, maxAttempts);
  }

  public WriteBehindSettings withMaxAttempts(int attempts) {
    return new WriteBehindSettings(delayMillis, batchSize, maxBacklog, whenFull, maxRetryDelayMillis, attempts);
  }
}
