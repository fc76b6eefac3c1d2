package dev.tiercache.samples;

import java.io.Serializable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.integration.CacheLoader;
import javax.cache.processor.EntryProcessor;
import dev.tiercache.TierCache;
import dev.tiercache.management.CacheStatistics;

/**
 * The five-minute tour, on the default CacheManager (one embedded member on 127.0.0.1, no cluster):
 * read-through from a slow "database", statistics, an atomic entry processor, and an EXPIRED event
 * for an entry nobody touches. Plain {@code javax.cache} code: nothing here names Tiercache except
 * the statistics lookup through {@code unwrap} (which tells near cache hits from L2 hits).
 */
public final class QuickStart {

  /** Stands in for a database table: every load takes 5 ms and is counted. */
  public static final class SlowDatabase implements CacheLoader<Integer, String>, Serializable {
    static final AtomicInteger QUERIES = new AtomicInteger();

    @Override
    public String load(Integer id) {
      QUERIES.incrementAndGet();
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "product-" + id;
    }

    @Override
    public java.util.Map<Integer, String> loadAll(Iterable<? extends Integer> ids) {
      java.util.Map<Integer, String> result = new java.util.HashMap<>();
      ids.forEach(id -> result.put(id, load(id)));
      return result;
    }
  }

  static final CountDownLatch EXPIRED = new CountDownLatch(1);

  /** Prints EXPIRED events as they arrive. */
  public static final class ExpiryLogger implements CacheEntryExpiredListener<String, String>, Serializable {
    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      for (CacheEntryEvent<? extends String, ? extends String> e : events) {
        System.out.printf("  EXPIRED event: %s=%s%n", e.getKey(), e.getValue());
        EXPIRED.countDown();
      }
    }
  }

  public static void main(String[] args) throws Exception {
    // Hazelcast logs its start-up at INFO through java.util.logging by default; keep the tour readable.
    java.util.logging.Logger.getLogger("com.hazelcast").setLevel(java.util.logging.Level.WARNING);
    try {
      System.exit(tour() ? 0 : 1);
    } finally {
      // The embedded member's threads would keep the JVM alive after an exception.
      Caching.getCachingProvider().close();
    }
  }

  private static boolean tour() throws Exception {
    CacheManager manager = Caching.getCachingProvider().getCacheManager();
    System.out.println("Provider: " + manager.getCachingProvider().getClass().getName());

    // 1. Read-through: the first get of each key queries the database, later gets are hits, served from
    //    this JVM's near cache (L1) once a value has been read from the shared map (L2).
    Cache<Integer, String> products = manager.createCache("products", new MutableConfiguration<Integer, String>()
        .setTypes(Integer.class, String.class)
        .setReadThrough(true)
        .setCacheLoaderFactory(FactoryBuilder.factoryOf(SlowDatabase.class))
        .setStatisticsEnabled(true));
    long start = System.nanoTime();
    for (int i = 0; i < 2_000; i++) {
      products.get(i % 50);
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    CacheStatistics stats = products.unwrap(TierCache.class).statistics();
    System.out.printf("Read-through: 2000 gets over 50 keys in %d ms, %d database queries, hit rate %.1f%% "
        + "(%d from L1, %d from L2)%n", millis, SlowDatabase.QUERIES.get(), stats.getCacheHitPercentage(),
        stats.getL1Hits(), stats.getL2Hits());

    // 2. An entry processor runs atomically per key, even when it is a lambda (not serializable).
    Cache<String, Integer> counters = manager.createCache("counters",
        new MutableConfiguration<String, Integer>().setTypes(String.class, Integer.class));
    EntryProcessor<String, Integer, Integer> increment = (entry, arguments) -> {
      int next = (entry.exists() ? entry.getValue() : 0) + 1;
      entry.setValue(next);
      return next;
    };
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        for (int i = 0; i < 250; i++) {
          counters.invoke("page-views", increment);
        }
      });
      threads[t].start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    System.out.println("Entry processor: 4 threads x 250 increments = " + counters.get("page-views"));

    // 3. Expiry: an entry that nobody reads again still expires, and listeners hear of it.
    Cache<String, String> sessions = manager.createCache("sessions", new MutableConfiguration<String, String>()
        .setTypes(String.class, String.class)
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.MILLISECONDS, 500)))
        .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
            FactoryBuilder.factoryOf(ExpiryLogger.class), null, true, false)));
    long putAt = System.nanoTime();
    sessions.put("session-42", "alice");
    System.out.println("Expiry: put session-42 with a 500 ms lifetime; waiting for its EXPIRED event");
    boolean fired = EXPIRED.await(5, TimeUnit.SECONDS);
    System.out.printf("  %s after %d ms%n", fired ? "fired" : "did not fire",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - putAt));

    return fired;
  }
}
