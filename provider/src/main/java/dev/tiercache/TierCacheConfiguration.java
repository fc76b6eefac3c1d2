package dev.tiercache;

import dev.tiercache.config.WriteBehindSettings;
import java.util.Objects;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.MutableConfiguration;

/**
 * A JCache configuration with Tiercache's extensions; pass it to {@code CacheManager.createCache}
 * wherever a {@link MutableConfiguration} goes. Today's extension is write-behind: with a cache writer
 * and write-through on, {@link #setWriteBehind} makes the writer receive changes later, in batches,
 * instead of inside each call.
 */
public final class TierCacheConfiguration<K, V> extends MutableConfiguration<K, V> {

  private static final long serialVersionUID = 1L;

  private WriteBehindSettings writeBehind;

  public TierCacheConfiguration() {}

  /** A copy of {@code configuration}, with its Tiercache extensions if it has any. */
  public TierCacheConfiguration(CompleteConfiguration<K, V> configuration) {
    super(configuration);
    if (configuration instanceof TierCacheConfiguration<K, V> tiercache) {
      this.writeBehind = tiercache.writeBehind;
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

  @Override
  public boolean equals(Object other) {
    WriteBehindSettings theirs = other instanceof TierCacheConfiguration<?, ?> t ? t.writeBehind : null;
    return super.equals(other) && Objects.equals(writeBehind, theirs);
  }

  @Override
  public int hashCode() {
    return writeBehind == null ? super.hashCode() : 31 * super.hashCode() + writeBehind.hashCode();
  }
}
