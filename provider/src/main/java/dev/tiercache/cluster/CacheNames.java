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

  /** Destroys a cache's map and its side maps, cluster-wide. */
  public static void destroyCacheMaps(HazelcastInstance hazelcast, String mapName) {
    hazelcast.getMap(mapName).destroy();
    String failures = loadFailuresName(mapName);
    for (DistributedObject object : hazelcast.getDistributedObjects()) {
      if (object.getName().equals(failures)) {
        object.destroy();
      }
    }
  }

  static String pattern(String cacheName) {
    return Members.MAP_PREFIX + "*:" + escape(cacheName);
  }

  private static String escape(String cacheName) {
    return cacheName.replace("%", "%25").replace("@", "%40");
  }
}
