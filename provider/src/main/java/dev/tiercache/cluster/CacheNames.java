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

  /**
   * The name of a cache's L2 map. A write-behind cache has its own suffix so that its map takes the
   * configuration of write-behind records ({@link Members}): no Hazelcast eviction, because a record
   * may hold the only copy of a change not yet written (see {@link CacheRecord#unwrittenSince()}).
   */
  public static String mapName(String cacheName, String scope, boolean writeBehind) {
    return Members.MAP_PREFIX + scope + ":" + escape(cacheName) + (writeBehind ? WRITE_BEHIND_SUFFIX : "");
  }

  /** The side map that says whether the cache was warmed, and locks the warm-up to one member. */
  public static String warmUpName(String mapName) {
    return baseName(mapName) + "!warm-up";
  }

  /** The side map where recent read-through failures of a cache wait for the callers of that load. */
  public static String loadFailuresName(String mapName) {
    return baseName(mapName) + "!load-failures";
  }

  /** The side map of changes write-behind has acknowledged and not yet written. */
  public static String pendingName(String mapName) {
    return baseName(mapName) + PENDING_SUFFIX;
  }

  /** The side map of write-behind changes the system of record rejected for good. */
  public static String deadLettersName(String mapName) {
    return baseName(mapName) + DEAD_LETTERS_SUFFIX;
  }

  /** The side map where each member reports how many unwritten records it owns (for the backlog). */
  public static String unwrittenCountsName(String mapName) {
    return baseName(mapName) + "!unwritten-counts";
  }

  /** The replicated map of the bytes each member's maps of a write-behind cache take (by member UUID). */
  public static String heldBytesName(String mapName) {
    return baseName(mapName) + "!held-bytes";
  }

  static final String WRITE_BEHIND_SUFFIX = "!wb";
  static final String PENDING_SUFFIX = "!pending";
  static final String DEAD_LETTERS_SUFFIX = "!dead-letters";

  private static String baseName(String mapName) {
    return mapName.endsWith(WRITE_BEHIND_SUFFIX)
        ? mapName.substring(0, mapName.length() - WRITE_BEHIND_SUFFIX.length()) : mapName;
  }

  /**
   * Destroys a cache's map (either kind) and its side maps, cluster-wide: those that exist, so that
   * managers destroying the same cache one after the other do not create a map again only to destroy
   * it (each destroy also reaches the members as an asynchronous event, which could then hit a cache
   * created anew meanwhile).
   */
  public static void destroyCacheMaps(HazelcastInstance hazelcast, String cacheName, String scope) {
    String plain = mapName(cacheName, scope, false);
    java.util.Set<String> names = java.util.Set.of(plain, mapName(cacheName, scope, true), loadFailuresName(plain),
        pendingName(plain), deadLettersName(plain), unwrittenCountsName(plain), heldBytesName(plain),
        warmUpName(plain));
    for (DistributedObject object : hazelcast.getDistributedObjects()) {
      if (names.contains(object.getName())) {
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
