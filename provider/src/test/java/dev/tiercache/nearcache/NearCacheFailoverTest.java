package dev.tiercache.nearcache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hazelcast.core.HazelcastInstance;
import dev.tiercache.TestCluster;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.cache.Cache;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member dies (terminated, no goodbye) while another keeps writing: with one backup no entry is lost,
 * and one repair interval later the survivors' near caches hold no value of a key that changed while the
 * member was leaving.
 */
class NearCacheFailoverTest {

  private static final int KEYS = 500;

  @TempDir
  Path dir;

  @Test
  void aMemberLeavingLosesNothingAndLeavesNoStaleNearCacheEntries() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, 3)) {
      MutableConfiguration<Integer, String> config = new MutableConfiguration<Integer, String>()
          .setTypes(Integer.class, String.class);
      List<Cache<Integer, String>> caches = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        caches.add(cluster.manager(i).createCache("failover", config));
      }
      Cache<Integer, String> writer = caches.get(0);
      Cache<Integer, String> reader = caches.get(1);
      Map<Integer, String> lastWritten = new ConcurrentHashMap<>();
      for (int key = 0; key < KEYS; key++) {
        writer.put(key, "v0-" + key);
        lastWritten.put(key, "v0-" + key);
      }
      for (int key = 0; key < KEYS; key++) {
        assertEquals("v0-" + key, reader.get(key)); // fills both survivors' near caches
        assertEquals("v0-" + key, writer.get(key));
      }

      Thread writes = new Thread(() -> {
        for (int round = 1; round <= 4; round++) {
          for (int key = 0; key < KEYS; key++) {
            String value = "v" + round + "-" + key;
            writer.put(key, value);
            lastWritten.put(key, value);
          }
        }
      });
      writes.start();
      Thread.sleep(50);
      cluster.manager(2).unwrap(HazelcastInstance.class).getLifecycleService().terminate();
      writes.join();
      Thread.sleep(1_000); // one repair interval

      int lost = 0;
      int wrong = 0;
      for (int key = 0; key < KEYS; key++) {
        Object inL2 = L2.value(writer, key);
        if (inL2 == null) {
          lost++;
        } else if (!inL2.equals(lastWritten.get(key))) {
          wrong++;
        }
      }
      List<String> stale = new ArrayList<>(L2.differences(writer));
      stale.addAll(L2.differences(reader));
      int readsOfOldValues = 0;
      for (int key = 0; key < KEYS; key++) {
        if (!lastWritten.get(key).equals(reader.get(key))) {
          readsOfOldValues++;
        }
      }
      System.out.printf("failover: %d keys, lost %d, wrong %d; stale near cache entries %d; old values read %d%n",
          KEYS, lost, wrong, stale.size(), readsOfOldValues);
      assertEquals(0, lost, "entries lost with the member");
      assertEquals(0, wrong, "entries whose last write is missing");
      assertEquals(List.of(), stale, "survivors' near cache entries differing from L2");
      assertEquals(0, readsOfOldValues, "reads on a survivor returning a value from before the member left");
    }
  }
}
