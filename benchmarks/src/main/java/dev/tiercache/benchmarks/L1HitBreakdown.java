package dev.tiercache.benchmarks;

import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tiercache.TierCache;
import dev.tiercache.TierCacheConfiguration;
import dev.tiercache.nearcache.NearCache;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Where an L1 String hit spends its time, by subtraction, since this machine allows no {@code perf}
 * events: the same 1,024 Integer keys read through each layer of the hit in one run.
 * <ol>
 *   <li>{@code caffeineBySize}: raw Caffeine bounded by size, as {@code NearCacheBenchmark} compares with;
 *   <li>{@code caffeineByWeight}: raw Caffeine bounded by weight with a weigher, as the near cache is;
 *   <li>{@code nearCacheGet}: the near cache's own lookup and the entry's value ({@code NearCache.get});
 *   <li>{@code tiercacheGet}: the whole {@code Cache.get} hit (open checks, expiry, statistics off);
 *   <li>{@code tiercacheGetWithStatistics}: the same with JCache statistics on.
 * </ol>
 * Run with {@code java -jar benchmarks/target/benchmarks.jar L1HitBreakdown -t 1 -f 2}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Djava.net.preferIPv4Stack=true", "-Dhazelcast.logging.type=none"})
public class L1HitBreakdown {

  private static final int KEYS = 1024;

  private CachingProvider provider;
  private com.github.benmanes.caffeine.cache.Cache<Integer, String> bySize;
  private com.github.benmanes.caffeine.cache.Cache<Integer, String> byWeight;
  private NearCache nearCache;
  private Cache<Integer, String> tiercache;
  private Cache<Integer, String> tiercacheWithStatistics;

  @Setup(Level.Trial)
  @SuppressWarnings("unchecked")
  public void setUp() {
    provider = Caching.getCachingProvider("dev.tiercache.TierCachingProvider");
    CacheManager manager = provider.getCacheManager();
    tiercache = manager.createCache("hit", new TierCacheConfiguration<Integer, String>()
        .setTypes(Integer.class, String.class));
    tiercacheWithStatistics = manager.createCache("hit-statistics", new TierCacheConfiguration<Integer, String>()
        .setTypes(Integer.class, String.class).setStatisticsEnabled(true));
    nearCache = ((TierCache<Integer, String>) tiercache.unwrap(TierCache.class)).nearCache().orElseThrow();
    bySize = Caffeine.newBuilder().maximumSize(10_000).build();
    byWeight = Caffeine.newBuilder().maximumWeight(10_000L * 1024)
        .weigher((Integer key, String value) -> Math.max(1024, value.length())).build();
    for (int i = 0; i < KEYS; i++) {
      String value = "value-" + i;
      tiercache.put(i, value);
      tiercacheWithStatistics.put(i, value);
      bySize.put(i, value);
      byWeight.put(i, value);
    }
    for (int round = 0; round < 2; round++) { // fill both near caches
      for (int i = 0; i < KEYS; i++) {
        tiercache.get(i);
        tiercacheWithStatistics.get(i);
      }
    }
    if (nearCache.size() < KEYS) {
      throw new IllegalStateException("the near cache holds " + nearCache.size() + " of " + KEYS);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    provider.close();
  }

  private static int nextKey() {
    return ThreadLocalRandom.current().nextInt(KEYS);
  }

  @Benchmark
  public String caffeineBySize() {
    return bySize.getIfPresent(nextKey());
  }

  @Benchmark
  public String caffeineByWeight() {
    return byWeight.getIfPresent(nextKey());
  }

  @Benchmark
  public Object nearCacheGet() {
    NearCache.Entry entry = nearCache.get(nextKey());
    return entry == null ? null : entry.value();
  }

  @Benchmark
  public String tiercacheGet() {
    return tiercache.get(nextKey());
  }

  @Benchmark
  public String tiercacheGetWithStatistics() {
    return tiercacheWithStatistics.get(nextKey());
  }
}
