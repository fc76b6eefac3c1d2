package dev.tiercache.config;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.cache.configuration.Factory;
import javax.cache.expiry.AccessedExpiryPolicy;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.EternalExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;

/**
 * A cache's expiry as written in YAML: never, a fixed time after creation, after the last write,
 * or after the last access, turned into the matching standard JCache {@link ExpiryPolicy}; and the
 * {@link ExpiryJitter} that spreads each entry's expiry, whatever policy the cache has.
 */
public record ExpirySetting(Kind kind, long millis, ExpiryJitter jitter) {

  /** When the clock starts. */
  public enum Kind {
    NONE, AFTER_CREATE, AFTER_WRITE, AFTER_ACCESS
  }

  public static final ExpirySetting NONE = new ExpirySetting(Kind.NONE, 0, ExpiryJitter.NONE);

  public ExpirySetting {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(jitter, "jitter");
    if (kind != Kind.NONE && millis <= 0) {
      throw new IllegalArgumentException("expiry duration must be positive, was " + millis + " ms");
    }
  }

  public Factory<ExpiryPolicy> policyFactory() {
    Duration duration = new Duration(TimeUnit.MILLISECONDS, millis);
    return switch (kind) {
      case NONE -> EternalExpiryPolicy.factoryOf();
      case AFTER_CREATE -> CreatedExpiryPolicy.factoryOf(duration);
      case AFTER_WRITE -> ModifiedExpiryPolicy.factoryOf(duration);
      case AFTER_ACCESS -> AccessedExpiryPolicy.factoryOf(duration);
    };
  }
}
