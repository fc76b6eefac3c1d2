package dev.tiercache.cluster;

/**
 * Names of the L2 maps. A cache's map name carries the cache name and the scope of the CacheManager
 * that owns it ({@code tc:<cache>@<scope>}), so that managers with the same URI but different class
 * loaders never share a cache, while every member of a cluster (all on the default class loader)
 * shares one map per cache. The cache name comes first so that Hazelcast's wildcard configuration
 * {@code tc:<cache>@*} applies a cache's settings whatever the scope.
 */
public final class CacheNames {

  private CacheNames() {}

  public static String mapName(String cacheName, String scope) {
    return Members.MAP_PREFIX + cacheName + "@" + scope;
  }

  static String pattern(String cacheName) {
    return Members.MAP_PREFIX + cacheName + "@*";
  }
}
