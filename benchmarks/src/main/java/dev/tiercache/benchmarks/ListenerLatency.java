package dev.tiercache.benchmarks;

import java.io.Serializable;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.spi.CachingProvider;

/**
 * How long an entry event takes from a put on one member to a listener on the other: two members in
 * this JVM (so both read one clock), a listener on the second, puts on the first at about one every
 * 200 µs, each value carrying its {@code System.nanoTime()}; the listener notes the difference. For an
 * asynchronous and a synchronous listener. Not JMH: the measure is a distribution across members, not
 * the time of an operation. Run with {@code java -cp benchmarks/target/benchmarks.jar
 * dev.tiercache.benchmarks.ListenerLatency [events]}.
 */
public final class ListenerLatency {

  static final long[] LATENCIES = new long[1_000_000];
  static final AtomicInteger HEARD = new AtomicInteger();

  private ListenerLatency() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("hazelcast.logging.type", "none");
    System.setProperty("java.net.preferIPv4Stack", "true");
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    CachingProvider provider = Caching.getCachingProvider("dev.tiercache.TierCachingProvider");
    List<URI> members = WriteBenchmark.twoMemberCluster();
    CacheManager first = provider.getCacheManager(members.get(0), null);
    CacheManager second = provider.getCacheManager(members.get(1), null);
    System.out.printf(Locale.ROOT, "%-26s %8s %10s %10s %10s%n", "listener on the other member", "events",
        "p50 (µs)", "p99 (µs)", "max (µs)");
    for (boolean synchronous : new boolean[] {false, true}) {
      String name = synchronous ? "synchronous" : "asynchronous";
      Cache<String, String> writer = first.createCache(name, ListenerBenchmark.config());
      second.getCache(name, String.class, String.class).registerCacheEntryListener(
          new MutableCacheEntryListenerConfiguration<>(FactoryBuilder.factoryOf(Timing.class), null, false,
              synchronous));
      run(writer, events / 10); // warm-up
      HEARD.set(0);
      run(writer, events);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (HEARD.get() < events && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      long[] sorted = Arrays.copyOf(LATENCIES, Math.min(HEARD.get(), LATENCIES.length));
      Arrays.sort(sorted);
      System.out.printf(Locale.ROOT, "%-26s %8d %10.1f %10.1f %10.1f%n", name, sorted.length,
          sorted[sorted.length / 2] / 1e3, sorted[(int) (sorted.length * 0.99)] / 1e3,
          sorted[sorted.length - 1] / 1e3);
    }
    provider.close();
    System.exit(0);
  }

  private static void run(Cache<String, String> writer, int events) {
    for (int i = 0; i < events; i++) {
      writer.put("k" + (i % 1_000), Long.toString(System.nanoTime()));
      long until = System.nanoTime() + 200_000;
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
    }
  }

  /** Notes how long each event took since its put. */
  public static final class Timing implements CacheEntryCreatedListener<String, String>,
      CacheEntryUpdatedListener<String, String>, Serializable {

    private static void heard(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      long now = System.nanoTime();
      for (CacheEntryEvent<? extends String, ? extends String> e : events) {
        int i = HEARD.getAndIncrement();
        if (i < LATENCIES.length) {
          LATENCIES[i] = now - Long.parseLong(e.getValue());
        }
      }
    }

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      heard(events);
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      heard(events);
    }
  }
}
