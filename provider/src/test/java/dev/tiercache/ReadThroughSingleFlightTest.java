package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.PartitionService;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.configuration.Factory;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.EternalExpiryPolicy;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheLoaderException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-through on a three-member cluster: a missing key is loaded once however many threads on however
 * many members ask for it, a failed load fails everyone who was waiting for it, a slow load holds up
 * nothing but its own key, and the death of the loading member hands the load to a waiter.
 */
class ReadThroughSingleFlightTest {

  @TempDir
  static Path dir;

  static TestCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(dir, 3);
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @AfterEach
  void destroyCache() {
    for (int i = 0; i < cluster.size(); i++) {
      if (!cluster.manager(i).isClosed()) {
        cluster.manager(i).destroyCache("loaded");
      }
    }
    SlowLoader.reset();
  }

  /** Loader whose behaviour the test sets; counts every call, in this JVM, from any member. */
  public static final class SlowLoader implements CacheLoader<String, String>, Serializable {
    static final AtomicInteger LOADS = new AtomicInteger();
    static volatile long delayMillis;
    static volatile String slowKey;
    static volatile boolean fail;
    static volatile CountDownLatch firstLoadBlocker;

    static void reset() {
      LOADS.set(0);
      delayMillis = 0;
      slowKey = null;
      fail = false;
      firstLoadBlocker = null;
    }

    @Override
    public String load(String key) {
      int call = LOADS.incrementAndGet();
      try {
        CountDownLatch blocker = firstLoadBlocker;
        if (blocker != null && call == 1) {
          blocker.await();
        }
        if (slowKey == null || slowKey.equals(key)) {
          Thread.sleep(delayMillis);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (fail) {
        throw new IllegalStateException("database down");
      }
      return "loaded-" + key;
    }

    @Override
    public Map<String, String> loadAll(Iterable<? extends String> keys) {
      Map<String, String> result = new java.util.HashMap<>();
      keys.forEach(k -> result.put(k, load(k)));
      return result;
    }
  }

  private List<Cache<String, String>> openOnEveryMember() {
    return openOnEveryMember(EternalExpiryPolicy.factoryOf());
  }

  private List<Cache<String, String>> openOnEveryMember(Factory<? extends ExpiryPolicy> expiry) {
    MutableConfiguration<String, String> config = new MutableConfiguration<String, String>()
        .setTypes(String.class, String.class)
        .setReadThrough(true)
        .setExpiryPolicyFactory(expiry)
        .setCacheLoaderFactory(FactoryBuilder.factoryOf(SlowLoader.class));
    List<Cache<String, String>> caches = new ArrayList<>();
    for (int i = 0; i < cluster.size(); i++) {
      caches.add(cluster.manager(i).createCache("loaded", config));
    }
    return caches;
  }

  /** Runs {@code threadsPerMember} concurrent gets of {@code key} on every member, released together. */
  private List<Future<String>> stampede(List<Cache<String, String>> caches, int threadsPerMember, String key,
      ExecutorService pool) {
    CyclicBarrier start = new CyclicBarrier(caches.size() * threadsPerMember);
    List<Future<String>> gets = new ArrayList<>();
    for (Cache<String, String> cache : caches) {
      for (int t = 0; t < threadsPerMember; t++) {
        gets.add(pool.submit(() -> {
          start.await();
          return cache.get(key);
        }));
      }
    }
    return gets;
  }

  /** A {@link #stampede} of gets of {@code key}; each must return {@code expected}. */
  private void assertEveryGetReturns(List<Cache<String, String>> caches, int threadsPerMember, String key,
      String expected) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(caches.size() * threadsPerMember);
    try {
      for (Future<String> get : stampede(caches, threadsPerMember, key, pool)) {
        assertEquals(expected, get.get(30, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void threeMembersTimes32ThreadsMissingOneKeyLoadItOnce() throws Exception {
    List<Cache<String, String>> caches = openOnEveryMember();
    SlowLoader.delayMillis = 500;
    assertEveryGetReturns(caches, 32, "hot", "loaded-hot");
    assertEquals(1, SlowLoader.LOADS.get(), "96 concurrent misses on 3 members, one load");
  }

  /** TTL 2 s, a 1.5 s load: the value lives 2 s from when it is stored, not from when the load began. */
  @Test
  void aLoadedValuesLifetimeStartsWhenItIsStored() throws Exception {
    List<Cache<String, String>> caches =
        openOnEveryMember(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.SECONDS, 2)));
    SlowLoader.delayMillis = 1_500;
    assertEquals("loaded-slow", caches.get(0).get("slow"));
    long returnedAt = System.nanoTime();
    // Timed from before the load, the value would be gone 0.5 s from now; stored now, it lives 2 s.
    Thread.sleep(Math.max(0, 1_000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - returnedAt)));
    for (Cache<String, String> cache : caches) {
      assertTrue(cache.containsKey("slow"), "still cached 1 s after the load returned");
    }
    assertEquals("loaded-slow", caches.get(1).get("slow"));
    assertEquals(1, SlowLoader.LOADS.get(), "read from the cache, not loaded again");
  }

  /**
   * TTL 1 s, a 1.2 s load, 8 threads on 2 members: one load. Timed from before the load, each stored value
   * was already expired, so every waiter loaded again in turn.
   */
  @Test
  void aLoadSlowerThanTheTimeToLiveStillServesEveryWaiter() throws Exception {
    List<Cache<String, String>> caches =
        openOnEveryMember(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.SECONDS, 1))).subList(0, 2);
    SlowLoader.delayMillis = 1_200;
    assertEveryGetReturns(caches, 4, "hot", "loaded-hot");
    assertEquals(1, SlowLoader.LOADS.get(), "8 concurrent misses on 2 members, one load");
  }

  @Test
  void aFailedLoadFailsEveryoneWhoWaitedForItAndTheNextGetTriesAgain() throws Exception {
    List<Cache<String, String>> caches = openOnEveryMember();
    SlowLoader.delayMillis = 500;
    SlowLoader.fail = true;
    ExecutorService pool = Executors.newFixedThreadPool(96);
    try {
      for (Future<String> get : stampede(caches, 32, "hot", pool)) {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
            () -> get.get(30, TimeUnit.SECONDS));
        assertInstanceOf(CacheLoaderException.class, e.getCause());
        assertNotNull(e.getCause().getCause(), "the loader's own exception travels to every waiter");
        assertEquals("database down", e.getCause().getCause().getMessage());
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, SlowLoader.LOADS.get(), "96 concurrent misses, one failed load, shared");
    SlowLoader.fail = false;
    SlowLoader.delayMillis = 0;
    assertEquals("loaded-hot", caches.get(1).get("hot"), "a later get loads again");
    assertEquals(2, SlowLoader.LOADS.get());
  }

  @Test
  void aSlowLoadHoldsUpNoOtherKeyNotEvenInItsPartition() throws Exception {
    List<Cache<String, String>> caches = openOnEveryMember();
    PartitionService partitions = cluster.manager(0).unwrap(HazelcastInstance.class).getPartitionService();
    String slowKey = "slow";
    List<String> others = new ArrayList<>();
    int slowPartition = partitions.getPartition(slowKey).getPartitionId();
    for (int i = 0; others.size() < 20; i++) {
      if (partitions.getPartition("k" + i).getPartitionId() == slowPartition) {
        others.add("k" + i); // same partition as the slow key
      }
    }
    for (int i = 0; i < 20; i++) {
      others.add("other-" + i);
    }
    for (String key : others) {
      caches.get(0).put(key, "v");
    }
    SlowLoader.slowKey = slowKey;
    SlowLoader.delayMillis = 3_000;
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Future<String> slowLoad = pool.submit(() -> caches.get(2).get(slowKey));
      Thread.sleep(200); // the load is under way
      List<Long> micros = Collections.synchronizedList(new ArrayList<>());
      List<Future<?>> work = new ArrayList<>();
      for (int m = 0; m < caches.size(); m++) {
        Cache<String, String> cache = caches.get(m);
        work.add(pool.submit(() -> {
          for (int round = 0; round < 10; round++) {
            for (String key : others) {
              long t0 = System.nanoTime();
              assertEquals("v", cache.get(key));
              cache.put(key, "v");
              micros.add((System.nanoTime() - t0) / 1_000);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : work) {
        f.get(30, TimeUnit.SECONDS);
      }
      assertTrue(!slowLoad.isDone(), "the other keys' work finished while the slow load was still running");
      assertEquals("loaded-slow", slowLoad.get(30, TimeUnit.SECONDS));
      List<Long> sorted = new ArrayList<>(micros);
      Collections.sort(sorted);
      long p99 = sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1);
      System.out.printf("get+put of other keys during a 3 s load: %d ops, p50 %d us, p99 %d us, max %d us%n",
          sorted.size(), sorted.get(sorted.size() / 2), p99, sorted.get(sorted.size() - 1));
      assertTrue(p99 < 50_000, "p99 of get+put on other keys was " + p99 + " us");
    } finally {
      pool.shutdownNow();
    }
  }
}
