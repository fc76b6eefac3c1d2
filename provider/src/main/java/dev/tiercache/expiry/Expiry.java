package dev.tiercache.expiry;

import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.cluster.PutProcessor;
import dev.tiercache.config.ExpiryJitter;
import dev.tiercache.config.RefreshSettings;
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
 * its own random extra before it becomes a time. With {@link RefreshSettings}, the stale window is added
 * on top (the entry is kept, and served, that much past its time to live) and each stored value gets a
 * refresh time ({@link #refreshAt}). The one-step put applies both to the constant durations with
 * {@link #storedDuration} and {@link #refreshAfter}, so neither costs that path.
 */
public final class Expiry {

  /** Returned by {@link #afterUpdate} and {@link #afterAccess} when the expiry stays as it is. */
  public static final long UNCHANGED = Long.MIN_VALUE;

  private static final Logger LOG = Logger.getLogger(Expiry.class.getName());

  private final ExpiryPolicy policy;
  private final long[] constantDurations;
  private final boolean accessKeepsExpiry;
  private final ExpiryJitter jitter;
  private final RefreshSettings refresh;

  public Expiry(ExpiryPolicy policy) {
    this(policy, ExpiryJitter.NONE, RefreshSettings.NONE);
  }

  /** {@code null} jitter or refresh: none. */
  public Expiry(ExpiryPolicy policy, ExpiryJitter jitter, RefreshSettings refresh) {
    this.policy = policy;
    this.jitter = jitter == null ? ExpiryJitter.NONE : jitter;
    this.refresh = refresh == null ? RefreshSettings.NONE : refresh;
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
   * How long a value is stored for a duration in the form of {@link #constantDurations()}: a finite,
   * positive one lengthened by this cache's jitter (a new random extra each call) and its stale window;
   * the others as they are.
   */
  public long storedDuration(long durationMillis) {
    if (durationMillis <= 0) {
      return durationMillis;
    }
    long lived = jitter.isNone() ? durationMillis : jitter.apply(durationMillis);
    long stored = lived + refresh.serveStaleMillis();
    return stored < lived ? Long.MAX_VALUE : stored;
  }



  /**
   * When, after it is stored for {@code storedMillis} (as {@link #storedDuration} gives it), a value is
   * due for a refresh, in milliseconds from its storing; {@link PutProcessor#ETERNAL} for never.
   */
  public long refreshAfter(long storedMillis) {
    if (refresh.isNone() || storedMillis <= 0 || storedMillis == Long.MAX_VALUE) {
      return PutProcessor.ETERNAL;
    }
    long timeToLive = Math.max(0, storedMillis - refresh.serveStaleMillis());
    return refresh.afterPercent() == 0 ? timeToLive
        : timeToLive / 100 * refresh.afterPercent() + timeToLive % 100 * refresh.afterPercent() / 100;
  }

  /** The refresh time of a value stored {@code now} to expire at {@code expiresAt}; ETERNAL for never. */
  public long refreshAt(long now, long expiresAt) {
    if (expiresAt == CacheRecord.ETERNAL || expiresAt <= now) {
      return CacheRecord.ETERNAL;
    }
    long after = refreshAfter(expiresAt - now);
    return after == PutProcessor.ETERNAL ? CacheRecord.ETERNAL : now + after;
  }

  /** Whether a value with expiry time {@code expiresAt} is past its time to live (in its stale window). */
  public boolean isStaleAt(long expiresAt, long now) {
    return refresh.serveStaleMillis() > 0 && expiresAt != CacheRecord.ETERNAL
        && now >= expiresAt - refresh.serveStaleMillis();
  }

  public RefreshSettings refresh() {
    return refresh;
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
    long millis = duration.getTimeUnit().toMillis(duration.getDurationAmount());
    if (millis == 0) {
      return now; // less than a millisecond: expired by the next one
    }
    millis = storedDuration(millis);
    long time = now + millis;
    return time < now ? CacheRecord.ETERNAL : time;
  }
}
