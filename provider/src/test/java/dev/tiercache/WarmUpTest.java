package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tiercache.config.NearCacheSettings;
import dev.tiercache.config.WarmUpSettings;
import dev.tiercache.integration.JdbcCacheStore;
import dev.tiercache.management.MBeans;
import dev.tiercache.management.WarmUpProgress;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.Factory;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.integration.CacheLoader;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cache warming. At creation, one member of the cluster preloads the cache from its key source (here a
 * PostgreSQL table through {@code JdbcCacheStore}, or keys given in code), in batches, while the cache
 * serves reads; the others skip it. A member that joins fills its near cache with the keys hot on the
 * others.
 */
class WarmUpTest {

  private static final String TABLE = "tiercache_warm_up_test";
  private static final int ROWS = 5_000;

  @TempDir
  Path dir;

  private static TierCacheConfiguration<String, String> fromTable(int batchSize) {
    JdbcCacheStore.Settings table = new JdbcCacheStore.Settings(Postgres.URL, TABLE, "k", "v", String.class,
        String.class);
    TierCacheConfiguration<String, String> config = new TierCacheConfiguration<String, String>()
        .setWarmUp(new WarmUpSettings(batchSize));
    config.setTypes(String.class, String.class).setStatisticsEnabled(true).setReadThrough(true)
        .setCacheLoaderFactory(JdbcCacheStore.factory(table));
    return config;
  }

  @Test
  @SuppressWarnings("unchecked")
  void oneMemberWarmsTheCacheFromItsTableInBatchesAndTheOtherSkips() throws Exception {
    Postgres.recreate(TABLE);
    Postgres.execute("INSERT INTO " + TABLE + " SELECT 'k' || g, 'v' || g FROM generate_series(1, " + ROWS + ") g");
    try (TestCluster cluster = TestCluster.start(dir, 2)) {
      List<TierCache<String, String>> caches = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        caches.add(cluster.manager(i).createCache("warmed", fromTable(500)).unwrap(TierCache.class));
      }
      List<WarmUpProgress> progress = new ArrayList<>();
      for (TierCache<String, String> cache : caches) {
        WarmUpProgress p = cache.warmUp().orElseThrow();
        assertTrue(p.awaitFinished(Duration.ofSeconds(60)), "warm-up ended: " + p);
        progress.add(p);
      }
      WarmUpProgress warmer = progress.get(0).state() == WarmUpProgress.State.DONE ? progress.get(0) : progress.get(1);
      WarmUpProgress other = warmer == progress.get(0) ? progress.get(1) : progress.get(0);
      assertEquals(WarmUpProgress.State.DONE, warmer.state(), warmer.toString());
      assertEquals(WarmUpProgress.State.SKIPPED, other.state(), "one member warms: " + other);
      assertEquals(ROWS, warmer.getKeysListed());
      assertEquals(ROWS, warmer.getKeysLoaded());
      assertEquals(ROWS, caches.get(0).l2Map().size());
      System.out.println("Warmed " + ROWS + " rows in batches of 500 in " + warmer.getElapsedMillis() + " ms");
      for (int i = 1; i <= ROWS; i += 97) {
        assertEquals("v" + i, caches.get(i % 2).get("k" + i));
      }
      long misses = caches.get(0).statistics().getCacheMisses() + caches.get(1).statistics().getCacheMisses();
      assertEquals(0, misses, "every read after the warm-up is a hit");
      // The progress is on an MXBean of each member's manager.
      ObjectName name = MBeans.warmUpName(cluster.manager(0).getURI().toString(), "warmed");
      assertTrue(List.of("DONE", "SKIPPED").contains(
          ManagementFactory.getPlatformMBeanServer().getAttribute(name, "State")));
      // A member that opens the cache later finds it warmed.
      caches.get(1).close();
      TierCache<String, String> reopened = cluster.manager(1).createCache("warmed", fromTable(500))
          .unwrap(TierCache.class);
      WarmUpProgress later = reopened.warmUp().orElseThrow();
      assertTrue(later.awaitFinished(Duration.ofSeconds(30)));
      assertEquals(WarmUpProgress.State.SKIPPED, later.state());
      assertTrue(later.getDetail().startsWith("warmed already"), later.getDetail());
      // Destroyed and created again, the cache is a new one: it warms again.
      cluster.manager(0).destroyCache("warmed");
      cluster.manager(1).destroyCache("warmed");
      TierCache<String, String> recreated = cluster.manager(1).createCache("warmed", fromTable(500))
          .unwrap(TierCache.class);
      WarmUpProgress anew = recreated.warmUp().orElseThrow();
      assertTrue(anew.awaitFinished(Duration.ofSeconds(60)));
      assertEquals(WarmUpProgress.State.DONE, anew.state(), anew.toString());
    }
  }

  /** Keys given in code, slowly: the cache answers while it warms. */
  public static final class SlowKeys implements Factory<Iterable<String>> {
    static final CountDownLatch HALFWAY = new CountDownLatch(1);
    static final CountDownLatch GO_ON = new CountDownLatch(1);

    @Override
    public Iterable<String> create() {
      return () -> new Iterator<>() {
        private int next = 1;

        @Override
        public boolean hasNext() {
          return next <= 1_000;
        }

        @Override
        public String next() {
          if (next == 501) {
            HALFWAY.countDown();
            try {
              GO_ON.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return "k" + next++;
        }
      };
    }
  }

  /** Answers "loaded-" + key. */
  public static final class Loader implements KeyByKeyLoader<String, String> {
    @Override
    public String load(String key) {
      return "loaded-" + key;
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theCacheServesWhileItWarmsAndAPresentValueIsNotLoadedOver() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, 1)) {
      TierCacheConfiguration<String, String> config = new TierCacheConfiguration<String, String>()
          .setWarmUpKeys(new SlowKeys());
      config.setTypes(String.class, String.class).setReadThrough(true)
          .setCacheLoaderFactory(FactoryBuilder.factoryOf(Loader.class));
      TierCache<String, String> cache = cluster.manager(0).createCache("serving", config).unwrap(TierCache.class);
      assertTrue(SlowKeys.HALFWAY.await(30, TimeUnit.SECONDS));
      WarmUpProgress progress = cache.warmUp().orElseThrow();
      assertEquals(WarmUpProgress.State.WARMING, progress.state());
      assertEquals("loaded-k900", cache.get("k900"), "a read during the warm-up loads its key");
      cache.put("k950", "written meanwhile");
      SlowKeys.GO_ON.countDown();
      assertTrue(progress.awaitFinished(Duration.ofSeconds(30)));
      assertEquals(WarmUpProgress.State.DONE, progress.state(), progress.toString());
      assertEquals(1_000, cache.l2Map().size());
      assertEquals(998, progress.getKeysLoaded(), "the two present keys were not loaded over");
      assertEquals("written meanwhile", cache.get("k950"));
    }
  }

  /** Ten keys; its {@code loadAll} waits for {@link #GO} the first time. */
  public static final class HeldLoader implements KeyByKeyLoader<String, String> {
    static final CountDownLatch LOADING = new CountDownLatch(1);
    static final CountDownLatch GO = new CountDownLatch(1);

    @Override
    public String load(String key) {
      return "loaded-" + key;
    }

    @Override
    public Map<String, String> loadAll(Iterable<? extends String> keys) {
      Map<String, String> values = KeyByKeyLoader.super.loadAll(keys); // the rows as they were
      LOADING.countDown();
      try {
        GO.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return values;
    }
  }

  /** The ten keys of {@link HeldLoader}. */
  public static final class TenKeys implements Factory<Iterable<String>> {
    @Override
    public Iterable<String> create() {
      return IntStream.rangeClosed(1, 10).mapToObj(i -> "k" + i).toList();
    }
  }

  /** A row deleted while its warm-up batch loads: the remove lands after the batch, nothing comes back. */
  @Test
  @SuppressWarnings("unchecked")
  void aRemoveThatRacesAWarmUpBatchIsNotUndone() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, 2)) {
      TierCacheConfiguration<String, String> config = new TierCacheConfiguration<String, String>()
          .setWarmUp(new WarmUpSettings(10)).setWarmUpKeys(new TenKeys());
      config.setTypes(String.class, String.class).setReadThrough(true)
          .setCacheLoaderFactory(FactoryBuilder.factoryOf(HeldLoader.class));
      TierCache<String, String> cache = cluster.manager(0).createCache("raced", config).unwrap(TierCache.class);
      assertTrue(HeldLoader.LOADING.await(30, TimeUnit.SECONDS), "the batch read the rows");
      TierCacheConfiguration<String, String> plain = new TierCacheConfiguration<>(config).setWarmUp(null);
      TierCache<String, String> other = cluster.manager(1).createCache("raced", plain).unwrap(TierCache.class);
      java.util.concurrent.CompletableFuture<Boolean> removal =
          java.util.concurrent.CompletableFuture.supplyAsync(() -> other.remove("k5")); // the row is deleted now
      Thread.sleep(300);
      assertTrue(!removal.isDone(), "the remove waits for the batch holding k5");
      HeldLoader.GO.countDown();
      assertTrue(removal.get(30, TimeUnit.SECONDS), "and then removes what the batch stored");
      assertTrue(cache.warmUp().orElseThrow().awaitFinished(Duration.ofSeconds(30)));
      assertEquals(9, cache.l2Map().size(), "k5 stays removed");
      assertEquals(null, other.getIfPresent("k5"));
    }
  }

  @Test
  void aWarmUpWithoutALoaderOrWithoutKeysIsRefused() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, 1)) {
      CacheManager manager = cluster.manager(0);
      TierCacheConfiguration<String, String> noLoader = new TierCacheConfiguration<String, String>()
          .setWarmUp(WarmUpSettings.DEFAULTS);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> manager.createCache("refused", noLoader));
      assertTrue(e.getMessage().contains("CacheLoader"), e.getMessage());
      TierCacheConfiguration<String, String> noKeys = new TierCacheConfiguration<String, String>()
          .setWarmUp(WarmUpSettings.DEFAULTS);
      noKeys.setCacheLoaderFactory(FactoryBuilder.factoryOf(Loader.class)).setReadThrough(true);
      e = assertThrows(IllegalArgumentException.class, () -> manager.createCache("refused", noKeys));
      assertTrue(e.getMessage().contains("KeyLister"), e.getMessage());
      assertEquals(null, manager.getCache("refused"), "nothing was created");
    }
  }

  /** How many of k{from}..k{to - 1} the near cache of {@code cache} holds a value of. */
  private static int heldOf(TierCache<String, String> cache, int from, int to) {
    return (int) IntStream.range(from, to).filter(i -> cache.nearCache().orElseThrow().get("k" + i) != null).count();
  }

  @Test
  @SuppressWarnings("unchecked")
  void aMemberThatJoinsFillsItsNearCacheWithTheKeysHotOnTheOthers() throws Exception {
    List<URI> uris = TestCluster.configure(dir, 2);
    try (TestCluster first = TestCluster.start(uris.subList(0, 1))) {
      TierCacheConfiguration<String, String> config = new TierCacheConfiguration<String, String>()
          .setNearCache(NearCacheSettings.DEFAULTS.withWarmUpKeys(100));
      config.setTypes(String.class, String.class).setStatisticsEnabled(true);
      TierCache<String, String> a = first.manager(0).createCache("hot", config).unwrap(TierCache.class);
      for (int i = 0; i < 2_400; i++) {
        a.put("k" + i, "v" + i);
      }
      for (int round = 0; round < 5; round++) { // k0..k199 are what A reads: its near cache holds them
        IntStream.range(0, 200).forEach(i -> a.get("k" + i));
      }
      CacheManager joining = Caching.getCachingProvider().getCacheManager(uris.get(1), null);
      try {
        TierCache<String, String> b = joining.createCache("hot", config).unwrap(TierCache.class);
        long deadline = System.currentTimeMillis() + 10_000;
        while (heldOf(b, 0, 200) < 100 && System.currentTimeMillis() < deadline) {
          Thread.sleep(20);
        }
        // Which 100 of A's 200 come first is Caffeine's estimate of the hottest; all come from what A reads.
        assertEquals(100, heldOf(b, 0, 200), "B's near cache holds 100 of the keys A reads, never read on B");
        assertEquals(0, heldOf(b, 200, 2_400), "and none that A does not read");
        assertEquals(100, b.nearCache().orElseThrow().size(), "and no more than the 100 asked for");
        assertEquals(0, b.statistics().getCacheGets(), "warming counts no reads");
        assertEquals("v5", b.get("k5"));
        assertEquals(1, b.statistics().getL1Hits(), "the first read of a hot key is an L1 hit");
      } finally {
        joining.close();
      }
    }
  }
}
