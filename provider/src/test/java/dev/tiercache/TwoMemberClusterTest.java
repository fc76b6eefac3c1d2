package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.integration.CacheLoader;
import javax.cache.processor.EntryProcessor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two CacheManagers whose configuration files name the same cluster: two real Hazelcast members in
 * this JVM, on loopback, with a cluster name no other run uses. They share each cache's data, and
 * per-key operations are atomic across both.
 */
class TwoMemberClusterTest {

  @TempDir
  static Path dir;

  static TestCluster cluster;
  static CacheManager a;
  static CacheManager b;

  @BeforeAll
  static void startCluster() throws IOException {
    cluster = TestCluster.start(dir, 2);
    a = cluster.manager(0);
    b = cluster.manager(1);
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @Test
  void bothManagersRunOnMembersOfOneCluster() {
    HazelcastInstance memberA = a.unwrap(HazelcastInstance.class);
    HazelcastInstance memberB = b.unwrap(HazelcastInstance.class);
    assertNotSame(memberA, memberB);
    assertEquals(2, memberA.getCluster().getMembers().size());
  }

  @Test
  void aWriteOnOneMemberIsReadOnTheOther() {
    Cache<String, String> onA = a.createCache("shared", new MutableConfiguration<String, String>()
        .setTypes(String.class, String.class));
    Cache<String, String> onB = b.createCache("shared", new MutableConfiguration<String, String>()
        .setTypes(String.class, String.class));
    try {
      for (int i = 0; i < 100; i++) {
        onA.put("k" + i, "v" + i);
      }
      for (int i = 0; i < 100; i++) {
        assertEquals("v" + i, onB.get("k" + i));
      }
      onB.remove("k0");
      assertEquals(null, onA.get("k0"));
    } finally {
      a.destroyCache("shared");
      b.destroyCache("shared");
    }
  }

  @Test
  void aNonSerializableEntryProcessorIsAtomicAcrossMembers() throws Exception {
    MutableConfiguration<String, Integer> config =
        new MutableConfiguration<String, Integer>().setTypes(String.class, Integer.class);
    Cache<String, Integer> onA = a.createCache("counters", config);
    Cache<String, Integer> onB = b.createCache("counters", config);
    // A lambda, as Spring's JCacheCache uses: it cannot be sent to the key's owner.
    EntryProcessor<String, Integer, Void> increment = (entry, args) -> {
      entry.setValue(entry.exists() ? entry.getValue() + 1 : 1);
      return null;
    };
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        Cache<String, Integer> cache = t % 2 == 0 ? onA : onB;
        work.add(pool.submit(() -> {
          for (int i = 0; i < 200; i++) {
            cache.invoke("hits", increment);
          }
        }));
      }
      for (Future<?> f : work) {
        f.get();
      }
      assertEquals(1600, onA.get("hits"), "no increment lost between the two members");
    } finally {
      pool.shutdownNow();
      a.destroyCache("counters");
      b.destroyCache("counters");
    }
  }

  /** Counts loads; shared by both members (same JVM). */
  public static final class CountingLoader implements CacheLoader<String, String>, java.io.Serializable {
    static final AtomicInteger LOADS = new AtomicInteger();

    @Override
    public String load(String key) {
      LOADS.incrementAndGet();
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "loaded-" + key;
    }

    @Override
    public java.util.Map<String, String> loadAll(Iterable<? extends String> keys) {
      java.util.Map<String, String> result = new java.util.HashMap<>();
      keys.forEach(k -> result.put(k, load(k)));
      return result;
    }
  }

  @Test
  void concurrentMissesOnBothMembersLoadAKeyOnce() throws Exception {
    MutableConfiguration<String, String> config = new MutableConfiguration<String, String>()
        .setTypes(String.class, String.class)
        .setReadThrough(true)
        .setCacheLoaderFactory(javax.cache.configuration.FactoryBuilder.factoryOf(CountingLoader.class));
    Cache<String, String> onA = a.createCache("read-through", config);
    Cache<String, String> onB = b.createCache("read-through", config);
    CountingLoader.LOADS.set(0);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> gets = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        Cache<String, String> cache = t % 2 == 0 ? onA : onB;
        gets.add(pool.submit(() -> cache.get("hot")));
      }
      for (Future<String> get : gets) {
        assertEquals("loaded-hot", get.get());
      }
      assertEquals(1, CountingLoader.LOADS.get(), "one load for 8 concurrent misses on two members");
      assertNotNull(onB.get("hot"));
    } finally {
      pool.shutdownNow();
      a.destroyCache("read-through");
      b.destroyCache("read-through");
    }
  }
}
