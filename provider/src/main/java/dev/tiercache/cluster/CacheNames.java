package dev.tiercache.cluster;

import com.hazelcast.core.DistributedObject;
import com.hazelcast.core.HazelcastInstance;

/**
 * Names of the L2 maps: {@code tc:<scope>:<cache>}. The scope stands for the owning CacheManager's
 * class loader, so managers with the same URI but different class loaders never share a cache, while
 * every member of a cluster (all on the default class loader) shares one map per cache. The cache name
 * comes last so that Hazelcast's wildcard configuration {@code tc:*:<cache>} gives a cache its settings
 * whatever the scope. Hazelcast reads {@code @} in a name as a partition-key suffix, so it is escaped.
 */
public final class CacheNames {

  private CacheNames() {}

  public static String mapName(String cacheName, String scope) {
    return Members.MAP_PREFIX + scope + ":" + escape(cacheName);
  }

  /** The side map where recent read-through failures of a cache wait for the callers of that load. */
  public static String loadFailuresName(String mapName) {
    return mapName + "!load-failures";
  }

  /** The side map of changes write-behind has acknowledged and not yet written. */
  public static String pendingName(String mapName) {
    return mapName + PENDING_SUFFIX;
  }

  /** The side map of write-behind changes the system of record rejected for good. */
  public static String deadLettersName(String mapName) {
    return mapName + DEAD_LETTERS_SUFFIX;
  }

  static final String PENDING_SUFFIX = "!pending";
  static final String DEAD_LETTERS_SUFFIX = "!dead-letters";

  /** Destroys a cache's map and its side maps, cluster-wide. */
  public static void destroyCacheMaps(HazelcastInstance hazelcast, String mapName) {
    hazelcast.getMap(mapName).destroy();
    java.util.Set<String> sideMaps =
        java.util.Set.of(loadFailuresName(mapName), pendingName(mapName), deadLettersName(mapName));
    for (DistributedObject object : hazelcast.getDistributedObjects()) {
      if (sideMaps.contains(object.getName())) {
        object.destroy();
      }
    }
  }

  static String pattern(String cacheName) {
    return Members.MAP_PREFIX + "*:" + escape(cacheName);
  }

  static String pattern(String cacheName, String suffix) {
    return pattern(cacheName) + suffix;
  }

  private static String escape(String cacheName) {
    return cacheName.replace("%", "%25").replace("@", "%40");
  }
}
