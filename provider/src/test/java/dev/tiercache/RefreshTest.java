package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tiercache.config.RefreshSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheLoaderException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Refresh-ahead and stale-while-revalidate on three members with a slow loader: a read past the refresh
 * point returns at once and one member reloads, once per refresh; a read in the stale window returns
 * the stale value and reloads; a failed reload keeps the value until the window ends; a write or a
 * remove during a reload wins over it.
 */
class RefreshTest {

  @RegisterExtension
  static final TestCluster.PerClass cluster = new TestCluster.PerClass(3);

  /** Each load answers the next number for the key: values only move forward. Counts every call. */
  public static final class CountingLoader implements KeyByKeyLoader<String, Integer> {
    static final AtomicInteger LOADS = new AtomicInteger();
    static final Map<String, AtomicInteger> NEXT = new ConcurrentHashMap<>();
    static volatile long delayMillis;
    static volatile boolean fail;

    @Override
    public Integer load(String key) {
      LOADS.incrementAndGet();
      sleep(delayMillis);
      if (fail) {
        throw new IllegalStateException("database down");
      }
      return NEXT.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    }
  }

  @AfterEach
  void reset() {
    for (int i = 0; i < cluster.size(); i++) {
      cluster.manager(i).destroyCache("refreshing");
    }
    CountingLoader.LOADS.set(0);
    CountingLoader.NEXT.clear();
    CountingLoader.delayMillis = 0;
    CountingLoader.fail = false;
  }

  @SuppressWarnings("unchecked")
  private static List<TierCache<String, Integer>> open(long ttlMillis, RefreshSettings refresh) {
    List<TierCache<String, Integer>> caches = new ArrayList<>();
    for (int i = 0; i < cluster.size(); i++) {
      TierCacheConfiguration<String, Integer> config =
          new TierCacheConfiguration<String, Integer>().setRefresh(refresh);
      config.setTypes(String.class, Integer.class).setStatisticsEnabled(true).setReadThrough(true)
          .setCacheLoaderFactory(FactoryBuilder.factoryOf(CountingLoader.class))
          .setExpiryPolicyFactory(ModifiedExpiryPolicy.factoryOf(
              new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, ttlMillis)));
      caches.add(cluster.manager(i).createCache("refreshing", config).unwrap(TierCache.class));
    }
    return caches;
  }

  @Test
  void readersOnThreeMembersNeverWaitForAReloadAndEachRefreshReloadsOnce() throws Exception {
    List<TierCache<String, Integer>> caches = open(2_000, RefreshSettings.after(50));
    CountingLoader.delayMillis = 600;
    assertEquals(1, caches.get(0).get("hot")); // the first load, a miss: this one waits
    ExecutorService readers = Executors.newFixedThreadPool(24);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(7);
    List<Future<Long>> slowest = new ArrayList<>();
    try {
      for (int t = 0; t < 24; t++) {
        TierCache<String, Integer> cache = caches.get(t % 3);
        slowest.add(readers.submit(() -> {
          long worst = 0;
          int last = 0;
          while (System.nanoTime() < until) {
            long start = System.nanoTime();
            int value = cache.get("hot");
            worst = Math.max(worst, System.nanoTime() - start);
            assertTrue(value >= last, "values move forward: " + last + " then " + value);
            last = value;
            Thread.sleep(1);
          }
          return worst;
        }));
      }
      long worst = 0;
      for (Future<Long> reader : slowest) {
        worst = Math.max(worst, reader.get(60, TimeUnit.SECONDS));
      }
      assertTrue(TimeUnit.NANOSECONDS.toMillis(worst) < 300,
          "no read waited for a 600 ms reload: the slowest took " + TimeUnit.NANOSECONDS.toMillis(worst) + " ms");
    } finally {
      readers.shutdownNow();
    }
    long refreshes = 0;
    long misses = 0;
    for (TierCache<String, Integer> cache : caches) {
      refreshes += cache.statistics().getRefreshes();
      misses += cache.statistics().getCacheMisses();
    }
    int reloads = CountingLoader.LOADS.get() - 1;
    assertTrue(reloads >= 3, "7 s with a value refreshed from 1 s of its 2 s: several refreshes, was " + reloads);
    assertEquals(reloads, refreshes, "every reload was stored: one reload per refresh, none wasted");
    assertEquals(reloads + 1, CountingLoader.NEXT.get("hot").get());
    assertEquals(1, misses, "only the first read missed: the value never expired under the readers");
  }

  @Test
  void aReadInTheStaleWindowGetsTheStaleValueAtOnceAndTheReloadFollows() throws Exception {
    List<TierCache<String, Integer>> caches = open(500, RefreshSettings.NONE.servingStaleFor(Duration.ofSeconds(5)));
    assertEquals(1, caches.get(0).get("k"));
    Thread.sleep(800); // past its time to live, inside the stale window
    CountingLoader.delayMillis = 1_000;
    long start = System.nanoTime();
    assertEquals(1, caches.get(1).get("k"), "the stale value, at once");
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 500, "did not wait for the 1 s reload");
    assertEquals(1, caches.get(1).statistics().getStaleHits());
    await("the reloaded value", 5_000, () -> Integer.valueOf(2).equals(caches.get(2).get("k")));
    long staleHits = caches.get(2).statistics().getStaleHits();
    assertEquals(2, caches.get(2).get("k"));
    assertEquals(staleHits, caches.get(2).statistics().getStaleHits(), "the reloaded value is fresh");
    assertEquals(2, CountingLoader.LOADS.get(), "one reload, however many stale reads asked for it");
  }

  @Test
  void aFailedReloadKeepsTheValueUntilTheWindowEndsAndIsCounted() throws Exception {
    List<TierCache<String, Integer>> caches = open(500, RefreshSettings.NONE.servingStaleFor(Duration.ofMillis(2_500)));
    assertEquals(1, caches.get(0).get("k"));
    long loadedAt = System.currentTimeMillis();
    CountingLoader.fail = true;
    Thread.sleep(700);
    while (System.currentTimeMillis() < loadedAt + 2_700) { // inside the window: 500 ms + 2.5 s
      assertEquals(1, caches.get(1).get("k"), "the value stays while reloads fail");
      Thread.sleep(100);
    }
    long failures = 0;
    for (TierCache<String, Integer> cache : caches) {
      failures += cache.statistics().getRefreshFailures();
    }
    assertTrue(failures >= 1 && failures <= 3, "failed reloads counted, retried about once a second: " + failures);
    Thread.sleep(loadedAt + 3_200 - System.currentTimeMillis());
    assertThrows(CacheLoaderException.class, () -> caches.get(2).get("k"), "past the window: a miss, loading");
  }

  @Test
  void aWriteOrARemoveDuringAReloadWinsOverIt() throws Exception {
    List<TierCache<String, Integer>> caches = open(5_000, RefreshSettings.after(10));
    caches.get(0).put("written", 100);
    caches.get(0).put("removed", 100);
    Thread.sleep(600); // past the refresh point, 10% of 5 s
    CountingLoader.delayMillis = 800;
    caches.get(1).get("written");
    caches.get(1).get("removed");
    await("both reloads started", 2_000, () -> CountingLoader.LOADS.get() == 2);
    caches.get(2).put("written", 200);
    caches.get(2).remove("removed");
    Thread.sleep(1_200); // the reloads end and find newer versions
    assertEquals(200, caches.get(0).get("written"));
    assertNull(caches.get(0).getIfPresent("removed"), "a removed key is not brought back by its reload");
    assertEquals(0, caches.get(1).statistics().getRefreshes(), "neither reload was stored");
  }

  @Test
  void anEntryWithItsOwnTimeToLiveIsNotRefreshedAndGetsNoStaleWindow() throws Exception {
    List<TierCache<String, Integer>> caches =
        open(5_000, RefreshSettings.after(10).servingStaleFor(Duration.ofSeconds(5)));
    caches.get(0).put("own", 100, Duration.ofMillis(800));
    Thread.sleep(300); // past 10% of both lives
    assertEquals(100, caches.get(1).get("own"));
    Thread.sleep(300);
    assertEquals(0, CountingLoader.LOADS.get(), "not refreshed: a refresh would give it the policy's life");
    await("expired at its own 800 ms, no stale window", 3_000, () -> !caches.get(2).containsKey("own"));
  }

  @Test
  void refreshNeedsALoaderThatReadsThrough() {
    TierCacheConfiguration<String, Integer> config = new TierCacheConfiguration<String, Integer>()
        .setRefresh(RefreshSettings.after(80));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> cluster.manager(0).createCache("refreshing", config));
    assertTrue(e.getMessage().contains("CacheLoader"), e.getMessage());
    TierCacheConfiguration<String, Integer> accessed = new TierCacheConfiguration<String, Integer>()
        .setRefresh(RefreshSettings.after(80));
    accessed.setReadThrough(true).setCacheLoaderFactory(FactoryBuilder.factoryOf(CountingLoader.class))
        .setExpiryPolicyFactory(
            javax.cache.expiry.AccessedExpiryPolicy.factoryOf(javax.cache.expiry.Duration.ONE_HOUR));
    e = assertThrows(IllegalArgumentException.class, () -> cluster.manager(0).createCache("refreshing", accessed));
    assertTrue(e.getMessage().contains("a read does not move"), e.getMessage());
    TierCacheConfiguration<String, Integer> atExpiry = new TierCacheConfiguration<String, Integer>()
        .setRefresh(RefreshSettings.after(100));
    atExpiry.setReadThrough(true).setCacheLoaderFactory(FactoryBuilder.factoryOf(CountingLoader.class));
    e = assertThrows(IllegalArgumentException.class, () -> cluster.manager(0).createCache("refreshing", atExpiry));
    assertTrue(e.getMessage().contains("serve-stale-for"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> RefreshSettings.after(0));
    assertThrows(IllegalArgumentException.class, () -> RefreshSettings.after(101));
  }

  private static void await(String what, long millis, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (!condition.getAsBoolean()) {
      assertTrue(System.currentTimeMillis() < deadline, what + " within " + millis + " ms");
      Thread.sleep(20);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
