package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tiercache.management.StatisticsSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.cache.Cache;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Statistics of the whole cluster. {@code CacheEvictions} counts what L2's bound removes: each member
 * counts the evictions of the entries it owns, so the sum over members is every entry the cluster
 * evicted, exactly once. {@code clusterStatistics()} sums every member's counters, asked from any member.
 */
class ClusterStatisticsTest {

  @TempDir
  Path dir;

  @Test
  void everyEntryTheBoundEvictsIsCountedOnceOnTheMemberThatOwnedIt() throws Exception {
    try (TestCluster cluster = TestCluster.start(TestCluster.configure(dir, 2, "max-entries: 1000",
        "statistics: true"))) {
      List<TierCache<String, String>> caches = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        caches.add(cluster.manager(i).createCache("bounded", new MutableConfiguration<String, String>()
            .setTypes(String.class, String.class)).unwrap(TierCache.class));
      }
      for (int i = 0; i < 5_000; i++) {
        caches.get(i % 2).put("k" + i, "v" + i);
      }
      int held = 0;
      for (Cache.Entry<String, String> ignored : caches.get(0)) {
        held++;
      }
      assertTrue(held <= 2 * 1_000, "the bound holds: " + held);
      int evicted = 5_000 - held;
      long deadline = System.currentTimeMillis() + 10_000; // eviction events are delivered asynchronously
      while (sumOfEvictions(caches) < evicted && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(evicted, sumOfEvictions(caches), "each entry gone is one eviction, summed over members");
      for (TierCache<String, String> cache : caches) {
        assertTrue(cache.statistics().getCacheEvictions() > evicted / 4,
            "each member counts the evictions of what it owns: " + cache.statistics().getCacheEvictions());
      }
    }
  }

  @Test
  void clusterStatisticsSumTheTiersOfEveryMemberAskedFromAnyMember() throws Exception {
    try (TestCluster cluster = TestCluster.start(TestCluster.configure(dir, 3, "statistics: true"))) {
      List<TierCache<String, String>> caches = new ArrayList<>();
      for (int i = 0; i < 2; i++) { // the third member holds partitions but never opens the cache
        caches.add(cluster.manager(i).createCache("counted", new MutableConfiguration<String, String>()
            .setTypes(String.class, String.class)).unwrap(TierCache.class));
      }
      for (int i = 0; i < 10; i++) {
        caches.get(0).put("k" + i, "v" + i);
      }
      for (int i = 0; i < 10; i++) {
        caches.get(1).get("k" + i); // L2 hits on member 1, which fill its L1
        caches.get(1).get("k" + i); // L1 hits
        caches.get(0).get("absent" + i); // misses on member 0
      }
      caches.get(1).get("loaded", key -> "from the database");
      caches.get(0).remove("k0");
      for (TierCache<String, String> cache : caches) {
        StatisticsSnapshot all = cache.clusterStatistics();
        assertEquals(new StatisticsSnapshot(2, 10, 10, 11, 10, 1, 0, 1), all, "the same sum from either member");
        assertEquals(31, all.gets());
        assertEquals(100.0 * 10 / 31, all.l1HitPercentage(), 1e-9);
        assertEquals(100.0 * 11 / 31, all.missPercentage(), 1e-9);
      }
      assertEquals(new StatisticsSnapshot(1, 10, 10, 1, 0, 0, 0, 1), StatisticsSnapshot.of(caches.get(1).statistics()));
      caches.get(1).close();
      assertEquals(1, caches.get(0).clusterStatistics().members(), "a member that closed the cache answers nothing");
    }
  }

  private static long sumOfEvictions(List<TierCache<String, String>> caches) {
    return caches.stream().mapToLong(cache -> cache.statistics().getCacheEvictions()).sum();
  }
}
