package dev.tiercache.nearcache;

/**
 * For the benchmarks only: loses invalidation messages on purpose, through the near cache's test hook
 * (package-private in the provider, reached here by sharing its package on the class path), so that
 * {@code IdleRepairCost} can time the repair that finds a lost change.
 */
public final class LostInvalidations {

  private LostInvalidations() {}

  /** Drops this share (0 to 1) of the cluster's invalidation messages in this JVM. */
  public static void drop(double share) {
    NearCache.dropInvalidations(share);
  }

  /** Invalidation messages {@code nearCache} has dropped so far. */
  public static long dropped(NearCache nearCache) {
    return nearCache.droppedInvalidations();
  }
}
