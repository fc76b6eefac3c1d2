package dev.tiercache.config;

import java.util.concurrent.ThreadLocalRandom;

/**
 * TTL jitter: each entry's time to live is lengthened by a random share, so that entries written
 * together do not expire together and send their reloads to the system of record all at once (the
 * thundering herd). The configured time to live stays the shortest an entry lives; jitter only adds,
 * uniformly between nothing and the spread: a share of the time to live ({@code 10%}: up to 10 minutes
 * more on 100 minutes) or a fixed time ({@code 30s}). A per-entry time to live given in a put is taken
 * exactly as given.
 *
 * @param percent the spread as a share of each time to live, 1 to 100; 0 when the spread is fixed
 * @param fixedMillis the spread as a fixed time; 0 when it is a share
 */
public record ExpiryJitter(int percent, long fixedMillis) implements java.io.Serializable {

  /** No jitter: entries live exactly their time to live. */
  public static final ExpiryJitter NONE = new ExpiryJitter(0, 0);

  public ExpiryJitter {
    if (percent < 0 || percent > 100) {
      throw new IllegalArgumentException("expiry jitter must be between 1% and 100%, was " + percent + "%");
    }
    if (fixedMillis < 0) {
      throw new IllegalArgumentException("expiry jitter must not be negative, was " + fixedMillis + " ms");
    }
    if (percent > 0 && fixedMillis > 0) {
      throw new IllegalArgumentException("expiry jitter is a share or a fixed time, not both");
    }
  }

  /** Up to {@code percent}% (1 to 100) of each time to live more. */
  public static ExpiryJitter ofPercent(int percent) {
    if (percent < 1) {
      throw new IllegalArgumentException("expiry jitter must be between 1% and 100%, was " + percent + "%");
    }
    return new ExpiryJitter(percent, 0);
  }

  /** Up to {@code spread} more on every time to live. */
  public static ExpiryJitter upTo(java.time.Duration spread) {
    long millis = spread.toMillis();
    if (millis < 1) {
      throw new IllegalArgumentException("expiry jitter must be at least 1 ms, was " + spread);
    }
    return new ExpiryJitter(0, millis);
  }

  public boolean isNone() {
    return percent == 0 && fixedMillis == 0;
  }

  /** {@code ttlMillis} (positive) lengthened by a random share of the spread; never overflows. */
  public long apply(long ttlMillis) {
    // percent of ttlMillis without overflowing for a ttl near Long.MAX_VALUE
    long spread = percent > 0 ? ttlMillis / 100 * percent + ttlMillis % 100 * percent / 100 : fixedMillis;
    if (spread <= 0) {
      return ttlMillis;
    }
    long extra = ThreadLocalRandom.current().nextLong(spread == Long.MAX_VALUE ? spread : spread + 1);
    long jittered = ttlMillis + extra;
    return jittered < ttlMillis ? Long.MAX_VALUE : jittered;
  }

  @Override
  public String toString() {
    return isNone() ? "none" : percent > 0 ? percent + "%" : fixedMillis + "ms";
  }
}
