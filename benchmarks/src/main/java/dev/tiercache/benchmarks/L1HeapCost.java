package dev.tiercache.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.NearCacheConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.tiercache.TierCache;
import dev.tiercache.TierCacheConfiguration;
import dev.tiercache.config.MemoryBound;
import dev.tiercache.config.NearCacheSettings;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.IntFunction;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.spi.CachingProvider;

/**
 * Heap per near-cache entry: one member, N entries already in L2, the heap in use (after a full GC)
 * before and after every one of them is read into the near cache, divided by N. Side by side:
 * Tiercache's L1, Hazelcast's own near cache (OBJECT and BINARY formats, holding local entries, as
 * Tiercache's L1 does), and a raw Caffeine cache of the same keys and values. Values: a String of ~100
 * characters, and the small POJO of {@link NearCacheBenchmark}.
 *
 * <p>Not a JMH benchmark: the measure is heap, not time. Run with {@code java -Xmx4g -cp
 * benchmarks/target/benchmarks.jar dev.tiercache.benchmarks.L1HeapCost [entries]} (the command and the
 * numbers are in docs/benchmarks.md).
 */
public final class L1HeapCost {

  private static final int BATCH = 1_000;

  private L1HeapCost() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("hazelcast.logging.type", "none");
    System.setProperty("java.net.preferIPv4Stack", "true");
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    IntFunction<Object> string = i -> String.format(Locale.ROOT, "value %06d ", i).repeat(8).substring(0, 100);
    IntFunction<Object> pojo = NearCacheBenchmark.Pojo::new;
    System.out.printf(Locale.ROOT, "heap per near-cache entry, %,d entries, one member (bytes)%n", n);
    System.out.printf(Locale.ROOT, "%-36s %12s %12s%n", "near cache", "String(100)", "small POJO");
    System.out.printf(Locale.ROOT, "%-36s %12.0f %12.0f%n", "Tiercache L1", tiercache(n, string), tiercache(n, pojo));
    System.out.printf(Locale.ROOT, "%-36s %12.0f %12.0f%n", "Hazelcast near cache, OBJECT",
        hazelcast(n, string, InMemoryFormat.OBJECT), hazelcast(n, pojo, InMemoryFormat.OBJECT));
    System.out.printf(Locale.ROOT, "%-36s %12.0f %12.0f%n", "Hazelcast near cache, BINARY",
        hazelcast(n, string, InMemoryFormat.BINARY), hazelcast(n, pojo, InMemoryFormat.BINARY));
    System.out.printf(Locale.ROOT, "%-36s %12.0f %12.0f%n", "raw Caffeine (no copies)", caffeine(n, string),
        caffeine(n, pojo));
    System.exit(0);
  }

  private static long usedHeap() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    Runtime runtime = Runtime.getRuntime();
    return runtime.totalMemory() - runtime.freeMemory();
  }

  @SuppressWarnings("unchecked")
  private static double tiercache(int n, IntFunction<Object> values) throws Exception {
    CachingProvider provider = Caching.getCachingProvider("dev.tiercache.TierCachingProvider");
    CacheManager manager = provider.getCacheManager(); // a standalone member
    try {
      TierCacheConfiguration<Integer, Object> config = new TierCacheConfiguration<Integer, Object>()
          .setNearCache(NearCacheSettings.DEFAULTS.withMaxEntries(n).withMaxMemory(MemoryBound.ofPercent(50)));
      config.setTypes(Integer.class, Object.class);
      TierCache<Integer, Object> cache = manager.createCache("heap-" + UUID.randomUUID(), config)
          .unwrap(TierCache.class);
      putAll(n, values, cache::putAll);
      long before = usedHeap();
      getAll(n, cache::getAll);
      long after = usedHeap();
      long held = cache.nearCache().orElseThrow().size();
      if (held < n * 0.99) {
        throw new IllegalStateException("the near cache holds " + held + " of " + n);
      }
      return (double) (after - before) / held;
    } finally {
      provider.close();
    }
  }

  private static double hazelcast(int n, IntFunction<Object> values, InMemoryFormat format) throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    Config config = NearCacheBenchmark.plainMember("heap-bench-" + UUID.randomUUID(), port, port);
    config.addMapConfig(new MapConfig("near-*").setNearCacheConfig(new NearCacheConfig().setInMemoryFormat(format)
        .setCacheLocalEntries(true).setEvictionConfig(new EvictionConfig().setEvictionPolicy(EvictionPolicy.LRU)
            .setMaxSizePolicy(MaxSizePolicy.ENTRY_COUNT).setSize(n))));
    HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
    try {
      IMap<Integer, Object> map = member.getMap("near-heap");
      putAll(n, values, map::putAll);
      long before = usedHeap();
      getAll(n, map::getAll);
      long after = usedHeap();
      long held = map.getLocalMapStats().getNearCacheStats().getOwnedEntryCount();
      if (held < n * 0.99) {
        throw new IllegalStateException("Hazelcast's near cache holds " + held + " of " + n);
      }
      return (double) (after - before) / held;
    } finally {
      member.shutdown();
    }
  }

  private static double caffeine(int n, IntFunction<Object> values) throws Exception {
    Map<Integer, Object> source = new HashMap<>();
    for (int i = 0; i < n; i++) {
      source.put(i, values.apply(i));
    }
    long before = usedHeap();
    Cache<Integer, Object> cache = Caffeine.newBuilder().maximumSize(n).build();
    cache.putAll(source); // the same instances: what a cache of references adds
    long after = usedHeap();
    source.clear();
    return (double) (after - before) / cache.estimatedSize();
  }

  private static void putAll(int n, IntFunction<Object> values, java.util.function.Consumer<Map<Integer, Object>> to) {
    for (int from = 0; from < n; from += BATCH) {
      Map<Integer, Object> batch = new HashMap<>();
      for (int i = from; i < Math.min(n, from + BATCH); i++) {
        batch.put(i, values.apply(i));
      }
      to.accept(batch);
    }
  }

  private static void getAll(int n, java.util.function.Function<Set<Integer>, Map<Integer, Object>> from) {
    for (int start = 0; start < n; start += BATCH) {
      Set<Integer> keys = new HashSet<>();
      for (int i = start; i < Math.min(n, start + BATCH); i++) {
        keys.add(i);
      }
      from.apply(keys);
    }
  }
}
