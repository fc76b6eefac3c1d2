package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A loss of data is never silent: with the default one backup, losing one member of three loses
 * nothing and reports nothing; losing two at once loses the partitions whose both copies were on them,
 * and the surviving member's cache says how many ({@code lostPartitions()}, also the
 * {@code cache.partitions.lost} meter and the Spring health indicator), while its reads of the lost
 * entries are misses.
 */
class PartitionLossTest {

  static final int ENTRIES = 3_000;

  @TempDir
  Path dir;

  private static Cache<Integer, String> fill(TestCluster cluster, String name) {
    Cache<Integer, String> cache = cluster.manager(0).createCache(name,
        new MutableConfiguration<Integer, String>().setTypes(Integer.class, String.class));
    for (int m = 1; m < cluster.size(); m++) {
      cluster.manager(m).getCache(name, Integer.class, String.class);
    }
    for (int i = 0; i < ENTRIES; i++) {
      cache.put(i, "v" + i);
    }
    return cache;
  }

  private static int present(Cache<Integer, String> cache) {
    int present = 0;
    for (int i = 0; i < ENTRIES; i++) {
      if (cache.get(i) != null) {
        present++;
      }
    }
    return present;
  }

  private static HazelcastInstance member(TestCluster cluster, int index) {
    return cluster.manager(index).unwrap(HazelcastInstance.class);
  }

  @Test
  void oneMemberOfThreeLostLosesNothingAndReportsNothing() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, 3)) {
      Cache<Integer, String> cache = fill(cluster, "one-lost");
      member(cluster, 2).getLifecycleService().terminate();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!member(cluster, 0).getPartitionService().isClusterSafe() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(ENTRIES, present(cache), "one backup covers one member");
      assertEquals(0, cache.unwrap(TierCache.class).lostPartitions());
    }
  }

  @Test
  void twoMembersOfThreeLostAtOnceAreReportedAsLostPartitions() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, 3)) {
      Cache<Integer, String> cache = fill(cluster, "two-lost");
      TierCache<Integer, String> survivor = TierCache.of(cache);
      assertEquals(0, survivor.lostPartitions());
      member(cluster, 1).getLifecycleService().terminate();
      member(cluster, 2).getLifecycleService().terminate();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      long lost = 0;
      while (System.nanoTime() < deadline) {
        lost = survivor.lostPartitions();
        if (lost > 0 && member(cluster, 0).getPartitionService().isClusterSafe()) {
          break;
        }
        Thread.sleep(50);
      }
      Thread.sleep(1_000); // the rest of the partitions of this loss, if any are still on their way
      lost = survivor.lostPartitions();
      int present = present(cache);
      System.out.printf("two of three members lost: %d of 271 partitions lost, %d of %d entries left%n", lost,
          present, ENTRIES);
      assertTrue(lost > 0, "the loss is reported");
      assertTrue(present < ENTRIES, "entries are gone: " + present);
      // Each lost partition held about ENTRIES / 271 entries: the report and the loss agree.
      double perPartition = ENTRIES / 271.0;
      double missing = ENTRIES - present;
      assertTrue(Math.abs(missing - lost * perPartition) < Math.max(10 * perPartition, missing / 2),
          lost + " partitions lost for " + (long) missing + " entries missing");
    }
  }
}
