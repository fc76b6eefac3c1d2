package dev.tiercache.management;

/**
 * Where one cache's reads on this member were served, registered (with the JCache statistics) as
 * {@code dev.tiercache:type=CacheTierStatistics,CacheManager=<uri>,Cache=<name>}.
 */
public interface TierStatisticsMXBean {

  /** Reads served by this member's near cache (L1). */
  long getL1Hits();

  /** Reads served by the shared map (L2). */
  long getL2Hits();

  /** Reads that found nothing in L1 or L2 (a read-through load may then have found the value). */
  long getMisses();

  /** Values a read-through load brought in. */
  long getLoads();

  /** Background reloads stored by this member (a cache that refreshes). */
  long getRefreshes();

  /** Background reloads on this member whose loader failed; the value stayed. */
  long getRefreshFailures();

  /** Reads served past the entry's time to live, in its stale window (counted among the hits too). */
  long getStaleHits();

  /** Entries this member's near cache holds now. */
  long getNearCacheSize();

  /** Near cache entries dropped because a change was announced by the cluster. */
  long getNearCacheInvalidations();

  /** Near cache entries the periodic repair found stale (their invalidation was lost) and dropped. */
  long getNearCacheRepairs();
}
