package dev.tiercache.management;

/**
 * One cache's counters at one moment: of one member ({@link #of}), or summed over the members of the
 * cluster ({@code TierCache.clusterStatistics()}), the seed's view of the whole system, where reads
 * were served: L1 (a member's near cache), L2 (the shared map), or nowhere (a miss, which a load may
 * then have answered from the system of record).
 *
 * @param members how many members' counters are in it
 * @param l1Hits reads served by a near cache
 * @param l2Hits reads served by the shared map
 * @param misses reads that found nothing in L1 or L2
 * @param loads values loaded from the system of record (loader or a caller's function)
 */
public record StatisticsSnapshot(int members, long l1Hits, long l2Hits, long misses, long puts, long removals,
    long evictions, long loads) {

  /** This member's counters of the cache. */
  public static StatisticsSnapshot of(CacheStatistics statistics) {
    return new StatisticsSnapshot(1, statistics.getL1Hits(), statistics.getL2Hits(), statistics.getCacheMisses(),
        statistics.getCachePuts(), statistics.getCacheRemovals(), statistics.getCacheEvictions(),
        statistics.getCacheLoads());
  }

  /** The counters as they travel between members, in the order of the components. */
  public long[] toCounts() {
    return new long[] {members, l1Hits, l2Hits, misses, puts, removals, evictions, loads};
  }

  public static StatisticsSnapshot fromCounts(long[] counts) {
    return new StatisticsSnapshot((int) counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6],
        counts[7]);
  }

  public StatisticsSnapshot plus(StatisticsSnapshot other) {
    return new StatisticsSnapshot(members + other.members, l1Hits + other.l1Hits, l2Hits + other.l2Hits,
        misses + other.misses, puts + other.puts, removals + other.removals, evictions + other.evictions,
        loads + other.loads);
  }

  /** All reads: L1 hits, L2 hits and misses. */
  public long gets() {
    return l1Hits + l2Hits + misses;
  }

  public double l1HitPercentage() {
    return percentage(l1Hits);
  }

  public double l2HitPercentage() {
    return percentage(l2Hits);
  }

  public double missPercentage() {
    return percentage(misses);
  }

  private double percentage(long count) {
    long gets = gets();
    return gets == 0 ? 0 : 100.0 * count / gets;
  }
}
