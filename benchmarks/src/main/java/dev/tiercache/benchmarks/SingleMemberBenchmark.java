package dev.tiercache.benchmarks;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.tiercache.TierCacheConfiguration;
import dev.tiercache.config.NearCacheSettings;
import java.io.Serializable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryUpdatedListener;
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
 * {@code get} (hit) and {@code put} on one member: Tiercache through JCache, the raw Hazelcast
 * {@code IMap} of the same member ({@code get}/{@code set}) and Caffeine's JCache provider (store by
 * value), all on the same 1,024 keys and ~100-character String values.
 *
 * <p>The Tiercache cache here has its near cache switched off, so a Tiercache get is an L2 read: the goal
 * here is that the JCache layer costs little on top of Hazelcast's own get (near cache hits and misses
 * are measured in {@link NearCacheBenchmark}). {@code tiercachePut} takes
 * the one-step path (no writer, no listener); {@code tiercachePutLockedPath} shows what a put costs when
 * user code must run on the caller under the key's lock.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Djava.net.preferIPv4Stack=true", "-Dhazelcast.logging.type=none"})
public class SingleMemberBenchmark {

  private static final int KEYS = 1024;

  private CachingProvider tiercacheProvider;
  private CachingProvider caffeineProvider;
  private Cache<Integer, String> tiercache;
  private Cache<Integer, String> tiercacheListened;
  private Cache<Integer, String> caffeine;
  private IMap<Integer, String> imap;
  private final String[] values = new String[KEYS];

  @Setup(Level.Trial)
  public void setUp() {
    for (int i = 0; i < KEYS; i++) {
      values[i] = "value-" + i + "-" + "x".repeat(90);
    }
    MutableConfiguration<Integer, String> config = new TierCacheConfiguration<Integer, String>()
        .setNearCache(NearCacheSettings.DISABLED).setTypes(Integer.class, String.class);

    tiercacheProvider = Caching.getCachingProvider("dev.tiercache.TierCachingProvider");
    CacheManager tiercacheManager = tiercacheProvider.getCacheManager();
    tiercache = tiercacheManager.createCache("bench", config);
    // A synchronous listener makes every put take the locked path (lock, read, write, unlock).
    tiercacheListened = tiercacheManager.createCache("bench-listened",
        new TierCacheConfiguration<>(config).addCacheEntryListenerConfiguration(
            new MutableCacheEntryListenerConfiguration<>(
                FactoryBuilder.factoryOf(NoOpListener.class), null, false, true)));
    imap = tiercacheManager.unwrap(HazelcastInstance.class).getMap("raw-imap-bench");

    caffeineProvider = Caching.getCachingProvider("com.github.benmanes.caffeine.jcache.spi.CaffeineCachingProvider");
    caffeine = caffeineProvider.getCacheManager().createCache("bench",
        new MutableConfiguration<Integer, String>().setTypes(Integer.class, String.class));

    for (int i = 0; i < KEYS; i++) {
      tiercache.put(i, values[i]);
      tiercacheListened.put(i, values[i]);
      imap.set(i, values[i]);
      caffeine.put(i, values[i]);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    tiercacheProvider.close();
    caffeineProvider.close();
  }

  /** Hears updates and does nothing with them. */
  public static final class NoOpListener implements CacheEntryUpdatedListener<Integer, String>, Serializable {
    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {}
  }

  private static int nextKey() {
    return ThreadLocalRandom.current().nextInt(KEYS);
  }

  @Benchmark
  public String tiercacheGet() {
    return tiercache.get(nextKey());
  }

  @Benchmark
  public String hazelcastImapGet() {
    return imap.get(nextKey());
  }

  @Benchmark
  public String caffeineJCacheGet() {
    return caffeine.get(nextKey());
  }

  @Benchmark
  public void tiercachePut() {
    int key = nextKey();
    tiercache.put(key, values[key]);
  }

  /** Put on a cache with a listener: the locked path every put with user code on the caller takes. */
  @Benchmark
  public void tiercachePutLockedPath() {
    int key = nextKey();
    tiercacheListened.put(key, values[key]);
  }

  @Benchmark
  public void hazelcastImapSet() {
    int key = nextKey();
    imap.set(key, values[key]);
  }

  @Benchmark
  public void caffeineJCachePut() {
    int key = nextKey();
    caffeine.put(key, values[key]);
  }
}
