package dev.tiercache;

import dev.tiercache.integration.WriteBehind;
import dev.tiercache.management.CacheConfigurationBean;
import dev.tiercache.management.CacheStatistics;
import dev.tiercache.management.MBeans;
import dev.tiercache.management.TierStatistics;
import dev.tiercache.management.WarmUpProgress;
import dev.tiercache.nearcache.NearCache;
import javax.cache.configuration.CompleteConfiguration;
import javax.management.ObjectName;

/**
 * The MXBeans of one cache on this member, under the names JCache defines (configuration, statistics)
 * and Tiercache's own beside them (tier statistics, write-behind). Registering under a name already taken
 * leaves the registered bean, and unregistering a name not registered does nothing (see {@link MBeans}),
 * so the cache can follow its configuration's flags without keeping track.
 */
final class CacheMBeans {

  private final String managerUri;
  private final String cacheName;

  CacheMBeans(String managerUri, String cacheName) {
    this.managerUri = managerUri;
    this.cacheName = cacheName;
  }

  /** What a new cache registers: write-behind's bean if it has one, and those its configuration enables. */
  /** {@code nearCache}, {@code writeBehind} and {@code warmUp} are {@code null} where the cache has none. */
  void registerAsConfigured(CompleteConfiguration<?, ?> configuration, CacheStatistics statistics,
      NearCache nearCache, WriteBehind<?, ?> writeBehind, WarmUpProgress warmUp) {
    if (writeBehind != null) {
      MBeans.register(writeBehind, MBeans.writeBehindName(managerUri, cacheName));
    }
    if (warmUp != null) {
      MBeans.register(warmUp, MBeans.warmUpName(managerUri, cacheName));
    }
    if (configuration.isStatisticsEnabled()) {
      registerStatistics(statistics, nearCache);
    }
    if (configuration.isManagementEnabled()) {
      registerConfiguration(configuration);
    }
  }

  /** The JCache statistics MXBean and, beside it, Tiercache's tier statistics ({@code nearCache} may be null). */
  void registerStatistics(CacheStatistics statistics, NearCache nearCache) {
    MBeans.register(statistics, name(MBeans.Kind.STATISTICS));
    MBeans.register(new TierStatistics(statistics,
        () -> nearCache == null ? 0 : nearCache.size(),
        () -> nearCache == null ? 0 : nearCache.invalidations(),
        () -> nearCache == null ? 0 : nearCache.repaired()),
        MBeans.tierStatisticsName(managerUri, cacheName));
  }

  void unregisterStatistics() {
    MBeans.unregister(name(MBeans.Kind.STATISTICS));
    MBeans.unregister(MBeans.tierStatisticsName(managerUri, cacheName));
  }

  void registerConfiguration(CompleteConfiguration<?, ?> configuration) {
    MBeans.register(new CacheConfigurationBean(configuration), name(MBeans.Kind.CONFIGURATION));
  }

  void unregisterConfiguration() {
    MBeans.unregister(name(MBeans.Kind.CONFIGURATION));
  }

  void unregisterWriteBehind() {
    MBeans.unregister(MBeans.writeBehindName(managerUri, cacheName));
  }

  void unregisterWarmUp() {
    MBeans.unregister(MBeans.warmUpName(managerUri, cacheName));
  }

  private ObjectName name(MBeans.Kind kind) {
    return MBeans.name(kind, managerUri, cacheName);
  }
}
