package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.cache.Cache;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code CacheEvictions} counts what L2's bound removes: each member counts the evictions of the entries
 * it owns, so the sum over members is every entry the cluster evicted, exactly once.
 */
class EvictionCountTest {

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

  private static long sumOfEvictions(List<TierCache<String, String>> caches) {
    return caches.stream().mapToLong(cache -> cache.statistics().getCacheEvictions()).sum();
  }
}
