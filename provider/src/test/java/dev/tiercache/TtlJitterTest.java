package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.config.ExpiryJitter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ModifiedExpiryPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TTL jitter against the thundering herd, on two members. First where entries expire: 1,000 entries
 * written at once with a 60 s time to live expire within the time it took to write them without jitter,
 * and spread evenly over the 6 s after their time to live with 10% jitter. Then what the system of
 * record sees: 200 entries written at once live 3 s; readers on both members read every key until
 * each was reloaded once, and the loader notes when. Without jitter at least three quarters of the
 * reloads fall in one second (all of them, when the readers keep up); with 100% jitter at most half of
 * them do (a third expected): the stated bound is at most
 * 1.5 x N / spread loads per second, N entries written together, the spread in seconds.
 */
class TtlJitterTest {

  private static final int ENTRIES = 200;
  private static final long TTL_MILLIS = 3_000;

  @RegisterExtension
  static final TestCluster.PerClass cluster = new TestCluster.PerClass(2);

  /** When each key was first loaded, in nanoseconds (static: the loader runs on either member, in this JVM). */
  static final Map<String, Long> FIRST_LOAD = new ConcurrentHashMap<>();

  /** A loader that notes the first load of each key. */
  public static final class NotingLoader implements KeyByKeyLoader<String, String> {
    @Override
    public String load(String key) {
      FIRST_LOAD.putIfAbsent(key, System.nanoTime());
      return "reloaded-" + key;
    }
  }

  @Test
  void entriesWrittenTogetherExpireTogetherWithoutJitterAndOverTheSpreadWithIt() {
    long ttl = 60_000;
    long spread = ttl / 10;
    for (ExpiryJitter jitter : new ExpiryJitter[] {ExpiryJitter.NONE, ExpiryJitter.ofPercent(10)}) {
      List<TierCache<String, String>> caches = open("spread", jitter, ttl);
      try {
        long firstPut = System.currentTimeMillis();
        for (int i = 0; i < 1_000; i++) {
          caches.get(i % 2).put("k" + i, "v" + i);
        }
        long lastPut = System.currentTimeMillis();
        long[] expiries =
            caches.get(0).l2Map().values().stream().mapToLong(CacheRecord::expiresAt).sorted().toArray();
        assertEquals(1_000, expiries.length);
        assertTrue(expiries[0] >= firstPut + ttl, "no entry lives less than its time to live");
        if (jitter.isNone()) {
          assertTrue(expiries[999] - expiries[0] <= lastPut - firstPut,
              "without jitter they expire within the " + (lastPut - firstPut) + " ms it took to write them");
          continue;
        }
        assertTrue(expiries[999] <= lastPut + ttl + spread, "no entry lives more than its time to live + 10%");
        assertTrue(expiries[999] - expiries[0] >= spread * 8 / 10,
            "spread over the 6 s: " + (expiries[999] - expiries[0]) + " ms");
        int[] perTenth = new int[10];
        for (long at : expiries) {
          perTenth[(int) Math.min(9, Math.max(0, (at - firstPut - ttl) * 10 / spread))]++;
        }
        for (int tenth : perTenth) {
          assertTrue(tenth <= 200, "evenly: no tenth of the spread holds 20% of them " + Arrays.toString(perTenth));
        }
      } finally {
        destroy("spread");
      }
    }
  }

  @Test
  void withoutJitterEntriesWrittenTogetherReloadTogether() throws Exception {
    long[] reloads = writeThenReadUntilAllReloaded("herd", ExpiryJitter.NONE);
    // All expire within the writing time; how fast the reloads come is then up to the readers' pace.
    assertTrue(mostInOneSecond(reloads) >= ENTRIES * 3 / 4,
        "the herd: " + mostInOneSecond(reloads) + " of " + ENTRIES + " reloads in one second");
  }

  @Test
  void withJitterEntriesWrittenTogetherExpireOverTheSpreadAndReloadSpreadOut() throws Exception {
    long[] reloads = writeThenReadUntilAllReloaded("jittered", ExpiryJitter.ofPercent(100));
    assertTrue(mostInOneSecond(reloads) <= ENTRIES / 2,
        "at most half of the reloads in any one second, was " + mostInOneSecond(reloads));
    long spreadMillis = TimeUnit.NANOSECONDS.toMillis(reloads[reloads.length - 1] - reloads[0]);
    assertTrue(spreadMillis >= TTL_MILLIS * 3 / 4, "reloads spread over most of the 3 s: " + spreadMillis + " ms");
    double perSecond = ENTRIES / (TTL_MILLIS / 1_000.0);
    assertTrue(mostInOneSecond(reloads) <= 1.5 * perSecond, "the stated bound, 1.5 x N / spread per second");
  }

  /**
   * Puts {@link #ENTRIES} entries from member 0, then reads them on both members until every key was
   * reloaded; returns the reload times, sorted, in nanoseconds since the first put. Each entry must live
   * at least its time to live.
   */
  private long[] writeThenReadUntilAllReloaded(String name, ExpiryJitter jitter) throws Exception {
    FIRST_LOAD.clear();
    List<TierCache<String, String>> caches = open(name, jitter, TTL_MILLIS);
    try {
      assertEquals(Writes.PutRoute.ON_OWNER, caches.get(0).putRoute(), "jitter keeps the one-step put");
      long start = System.nanoTime();
      for (int i = 0; i < ENTRIES; i++) {
        caches.get(0).put("k" + i, "v" + i);
      }
      long written = System.nanoTime();
      ExecutorService readers = Executors.newFixedThreadPool(8);
      List<Future<?>> reading = new ArrayList<>();
      long deadline = written + TimeUnit.SECONDS.toNanos(TTL_MILLIS * 2 / 1_000 + 10);
      for (int r = 0; r < 8; r++) {
        Cache<String, String> cache = caches.get(r % 2);
        int offset = r * ENTRIES / 8;
        reading.add(readers.submit(() -> {
          while (FIRST_LOAD.size() < ENTRIES && System.nanoTime() < deadline) {
            for (int i = 0; i < ENTRIES; i++) {
              cache.get("k" + (offset + i) % ENTRIES);
            }
          }
          return null;
        }));
      }
      for (Future<?> reader : reading) {
        reader.get(60, TimeUnit.SECONDS);
      }
      readers.shutdown();
      assertEquals(ENTRIES, FIRST_LOAD.size(), "every entry expired and was reloaded once");
      long[] reloads = FIRST_LOAD.values().stream().mapToLong(at -> at - start).sorted().toArray();
      assertTrue(reloads[0] >= TimeUnit.MILLISECONDS.toNanos(TTL_MILLIS),
          "no entry lives less than its time to live: first reload after "
              + TimeUnit.NANOSECONDS.toMillis(reloads[0]) + " ms, writing took "
              + TimeUnit.NANOSECONDS.toMillis(written - start) + " ms");
      return reloads;
    } finally {
      destroy(name);
    }
  }

  /** The cache on both members: read-through from {@link NotingLoader}, {@code ttl} after each write. */
  private static List<TierCache<String, String>> open(String name, ExpiryJitter jitter, long ttlMillis) {
    List<TierCache<String, String>> caches = new ArrayList<>();
    for (int i = 0; i < cluster.size(); i++) {
      TierCacheConfiguration<String, String> config = new TierCacheConfiguration<String, String>()
          .setExpiryJitter(jitter);
      config.setTypes(String.class, String.class).setReadThrough(true)
          .setCacheLoaderFactory(FactoryBuilder.factoryOf(NotingLoader.class))
          .setExpiryPolicyFactory(ModifiedExpiryPolicy.factoryOf(new Duration(TimeUnit.MILLISECONDS, ttlMillis)));
      caches.add(cluster.manager(i).createCache(name, config).unwrap(TierCache.class));
    }
    return caches;
  }

  private static void destroy(String name) {
    for (int i = 0; i < cluster.size(); i++) {
      cluster.manager(i).destroyCache(name);
    }
  }

  /** The most reloads that fall within any one second. */
  private static int mostInOneSecond(long[] sortedNanos) {
    int most = 0;
    int from = 0;
    for (int to = 0; to < sortedNanos.length; to++) {
      while (sortedNanos[to] - sortedNanos[from] >= TimeUnit.SECONDS.toNanos(1)) {
        from++;
      }
      most = Math.max(most, to - from + 1);
    }
    return most;
  }
}
