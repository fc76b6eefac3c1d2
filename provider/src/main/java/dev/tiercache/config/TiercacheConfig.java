package dev.tiercache.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one Tiercache configuration file says: the cluster, the default cache template, and the
 * caches to create when the CacheManager starts. The default URI uses {@link #defaults()}.
 *
 * @param source where it came from, for messages
 * @param cluster how the member joins (or does not join) a cluster
 * @param defaults template for caches without their own settings
 * @param caches caches created at start-up, by name, in file order
 */
public record TiercacheConfig(
    String source, ClusterSettings cluster, CacheSettings defaults, Map<String, CacheSettings> caches) {

  public TiercacheConfig {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(defaults, "defaults");
    caches = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(caches));
  }

  /** A standalone loopback member, the built-in template, no start-up caches. */
  public static TiercacheConfig builtIn() {
    return new TiercacheConfig("built-in defaults", ClusterSettings.standalone(), CacheSettings.DEFAULTS, Map.of());
  }

  /** The settings a cache of this name takes: its own entry, else the default template. */
  public CacheSettings settingsFor(String cacheName) {
    return caches.getOrDefault(cacheName, defaults);
  }
}
