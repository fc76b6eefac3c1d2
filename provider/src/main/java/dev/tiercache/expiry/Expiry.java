package dev.tiercache.expiry;

import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.cluster.PutProcessor;
import dev.tiercache.config.ExpiryJitter;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.cache.expiry.AccessedExpiryPolicy;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.EternalExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.expiry.TouchedExpiryPolicy;

/**
 * Turns a cache's {@link ExpiryPolicy} answers into absolute expiry times.
 *
 * <p>The policy is asked exactly once for each creation, update or access the specification names,
 * on the member that performs the operation while it holds the entry's cluster-wide lock; the
 * absolute time it yields is stored in the L2 record, so every member reads the same answer. A
 * {@code null} answer for update or access keeps the current expiry; {@link Duration#ZERO} makes the
 * entry expire now. A policy that throws is treated as if it had answered {@code null} (update,
 * access) or eternal (creation), as the specification asks of implementations.
 *
 * <p>With an {@link ExpiryJitter}, every finite, non-zero duration the policy answers is lengthened by
 * its own random extra before it becomes a time; the one-step put applies it to the constant durations
 * with {@link #jittered}, so jitter keeps that path.
 */
public final class Expiry {

  /** Returned by {@link #afterUpdate} and {@link #afterAccess} when the expiry stays as it is. */
  public static final long UNCHANGED = Long.MIN_VALUE;

  private static final Logger LOG = Logger.getLogger(Expiry.class.getName());

  private final ExpiryPolicy policy;
  private final long[] constantDurations;
  private final boolean accessKeepsExpiry;
  private final ExpiryJitter jitter;

  public Expiry(ExpiryPolicy policy) {
    this(policy, ExpiryJitter.NONE);
  }

  public Expiry(ExpiryPolicy policy, ExpiryJitter jitter) {
    this.policy = policy;
    this.jitter = jitter == null ? ExpiryJitter.NONE : jitter;
    this.constantDurations = constantDurations(policy);
    Class<?> type = policy.getClass();
    this.accessKeepsExpiry = type == EternalExpiryPolicy.class || type == CreatedExpiryPolicy.class
        || type == ModifiedExpiryPolicy.class;
  }

  /**
   * Whether a read can never move expiry: true for the standard policies whose access answer is always
   * {@code null} (exactly those classes); a read of such a cache needs no lock and no policy call.
   */
  public boolean accessKeepsExpiry() {
    return accessKeepsExpiry;
  }

  /**
   * For the standard policies of {@code javax.cache.expiry} (exactly those classes, not subclasses),
   * whose answers never change: {creation, update} in milliseconds, with {@link PutProcessor#ETERNAL}
   * and {@link PutProcessor#UNCHANGED}; {@code null} for any other policy, which must be asked each time.
   */
  public long[] constantDurations() {
    return constantDurations;
  }

  /**
   * A duration in the form of {@link #constantDurations()} with this cache's jitter applied: a finite,
   * positive one lengthened by a random extra (a new one each call), the others as they are.
   */
  public long jittered(long durationMillis) {
    return durationMillis <= 0 || jitter.isNone() ? durationMillis : jitter.apply(durationMillis);
  }

  private static long[] constantDurations(ExpiryPolicy policy) {
    Class<?> type = policy.getClass();
    if (type != EternalExpiryPolicy.class && type != CreatedExpiryPolicy.class && type != ModifiedExpiryPolicy.class
        && type != AccessedExpiryPolicy.class && type != TouchedExpiryPolicy.class) {
      return null;
    }
    return new long[] {millis(policy.getExpiryForCreation(), PutProcessor.ETERNAL),
        millis(policy.getExpiryForUpdate(), PutProcessor.UNCHANGED)};
  }

  private static long millis(Duration duration, long ifNull) {
    if (duration == null) {
      return ifNull;
    }
    return duration.isEternal() ? PutProcessor.ETERNAL : duration.getTimeUnit().toMillis(duration.getDurationAmount());
  }

  public ExpiryPolicy policy() {
    return policy;
  }

  /** Absolute expiry of a new entry created now. */
  public long afterCreation(long now) {
    Duration duration;
    try {
      duration = policy.getExpiryForCreation();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "ExpiryPolicy.getExpiryForCreation failed; the entry does not expire", e);
      return CacheRecord.ETERNAL;
    }
    return duration == null ? CacheRecord.ETERNAL : toTime(duration, now);
  }

  /** Absolute expiry after an update now, or {@link #UNCHANGED}. */
  public long afterUpdate(long now) {
    try {
      Duration duration = policy.getExpiryForUpdate();
      return duration == null ? UNCHANGED : toTime(duration, now);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "ExpiryPolicy.getExpiryForUpdate failed; the expiry is left unchanged", e);
      return UNCHANGED;
    }
  }

  /** Absolute expiry after an access now, or {@link #UNCHANGED}. */
  public long afterAccess(long now) {
    try {
      Duration duration = policy.getExpiryForAccess();
      return duration == null ? UNCHANGED : toTime(duration, now);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "ExpiryPolicy.getExpiryForAccess failed; the expiry is left unchanged", e);
      return UNCHANGED;
    }
  }

  private long toTime(Duration duration, long now) {
    if (duration.isEternal()) {
      return CacheRecord.ETERNAL;
    }
    if (duration.isZero()) {
      return now;
    }
    long millis = jittered(duration.getTimeUnit().toMillis(duration.getDurationAmount()));
    long time = now + millis;
    return time < now ? CacheRecord.ETERNAL : time;
  }
}
