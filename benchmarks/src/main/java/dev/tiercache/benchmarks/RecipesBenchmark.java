package dev.tiercache.benchmarks;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.tiercache.TierCache;
import dev.tiercache.TierCacheConfiguration;
import dev.tiercache.Versioned;
import dev.tiercache.config.ExpiryJitter;
import dev.tiercache.config.NearCacheSettings;
import dev.tiercache.config.RefreshSettings;
import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.integration.CacheLoader;
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
 * The seed's recipes next to the paths they build on, on one member, 1,024 keys, ~100-character String
 * values, all present:
 * <ul>
 *   <li>puts: a plain put (eternal), a put on a cache whose entries expire 10 minutes after a write, the
 *       same with 10% TTL jitter, a put with its own time to live, a put on a cache with a custom
 *       {@code ExpiryPolicy} class (the locked route), and the raw {@code IMap.set} under them all;</li>
 *   <li>reads: an L2 get (near cache off) and an L1 hit, each on a plain cache and on one that refreshes
 *       (refresh configured, no entry due within the run), and the L1 hit through
 *       {@code get(key, function)}.</li>
 *   <li>version compare-and-set: the versioned read beside the plain read (L1 hit, L2 get); a
 *       read-modify-write with {@code getVersioned} + {@code putIfUnchanged} beside the unsafe get + put;
 *       and a miss filled by hand with a versioned put beside one filled by {@code get(key, function)}
 *       (each first removes the key).</li>
 * </ul>
 * The question each pair answers: does the recipe cost its path anything when it has nothing to do.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Djava.net.preferIPv4Stack=true", "-Dhazelcast.logging.type=none"})
public class RecipesBenchmark {

  private static final int KEYS = 1024;
  private static final javax.cache.expiry.Duration TEN_MINUTES = new javax.cache.expiry.Duration(TimeUnit.MINUTES, 10);

  private CachingProvider provider;
  private TierCache<Integer, String> eternal;
  private TierCache<Integer, String> expiring;
  private TierCache<Integer, String> jittered;
  private TierCache<Integer, String> customPolicy;
  private TierCache<Integer, String> l2Plain;
  private TierCache<Integer, String> l2Refreshing;
  private TierCache<Integer, String> l1Plain;
  private TierCache<Integer, String> l1Refreshing;
  private IMap<Integer, String> imap;
  private final String[] values = new String[KEYS];

  /** Answers a value for any key (the refreshing caches read through it). */
  public static final class ValueLoader implements CacheLoader<Integer, String>, Serializable {
    @Override
    public String load(Integer key) {
      return "value-" + key + "-" + "x".repeat(90);
    }

    @Override
    public Map<Integer, String> loadAll(Iterable<? extends Integer> keys) {
      Map<Integer, String> values = new java.util.HashMap<>();
      keys.forEach(key -> values.put(key, load(key)));
      return values;
    }
  }

  /** {@link ModifiedExpiryPolicy}'s answers from a class of the application's: the cache asks it each time. */
  public static final class CustomPolicy implements ExpiryPolicy, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public javax.cache.expiry.Duration getExpiryForCreation() {
      return TEN_MINUTES;
    }

    @Override
    public javax.cache.expiry.Duration getExpiryForAccess() {
      return null;
    }

    @Override
    public javax.cache.expiry.Duration getExpiryForUpdate() {
      return TEN_MINUTES;
    }
  }

  @Setup(Level.Trial)
  @SuppressWarnings("unchecked")
  public void setUp() {
    for (int i = 0; i < KEYS; i++) {
      values[i] = "value-" + i + "-" + "x".repeat(90);
    }
    provider = Caching.getCachingProvider("dev.tiercache.TierCachingProvider");
    CacheManager manager = provider.getCacheManager();
    eternal = create(manager, "eternal", base(false));
    expiring = create(manager, "expiring", tenMinutesAfterWrite(base(false)));
    jittered = create(manager, "jittered",
        tenMinutesAfterWrite(base(false).setExpiryJitter(ExpiryJitter.ofPercent(10))));
    TierCacheConfiguration<Integer, String> custom = base(false);
    custom.setExpiryPolicyFactory(FactoryBuilder.factoryOf(CustomPolicy.class));
    customPolicy = create(manager, "custom-policy", custom);
    l2Plain = create(manager, "l2-plain", readingThrough(base(false), RefreshSettings.NONE));
    l2Refreshing = create(manager, "l2-refreshing", readingThrough(base(false), refreshing()));
    l1Plain = create(manager, "l1-plain", readingThrough(base(true), RefreshSettings.NONE));
    l1Refreshing = create(manager, "l1-refreshing", readingThrough(base(true), refreshing()));
    imap = manager.unwrap(HazelcastInstance.class).getMap("raw-imap-recipes");
    for (int i = 0; i < KEYS; i++) {
      for (TierCache<Integer, String> cache : new TierCache[] {eternal, expiring, jittered, customPolicy, l2Plain,
          l2Refreshing, l1Plain, l1Refreshing}) {
        cache.put(i, values[i]);
        cache.get(i); // fills the near caches
      }
      imap.set(i, values[i]);
    }
  }

  private static TierCacheConfiguration<Integer, String> base(boolean nearCache) {
    TierCacheConfiguration<Integer, String> config = new TierCacheConfiguration<Integer, String>()
        .setNearCache(nearCache ? NearCacheSettings.DEFAULTS : NearCacheSettings.DISABLED);
    config.setTypes(Integer.class, String.class);
    return config;
  }

  private static TierCacheConfiguration<Integer, String> tenMinutesAfterWrite(
      TierCacheConfiguration<Integer, String> config) {
    config.setExpiryPolicyFactory(ModifiedExpiryPolicy.factoryOf(TEN_MINUTES));
    return config;
  }

  /** Read-through, entries living 10 minutes after a write, and the refresh given. */
  private static TierCacheConfiguration<Integer, String> readingThrough(TierCacheConfiguration<Integer, String> config,
      RefreshSettings refresh) {
    config.setRefresh(refresh).setReadThrough(true).setCacheLoaderFactory(FactoryBuilder.factoryOf(ValueLoader.class));
    return tenMinutesAfterWrite(config);
  }

  /** Due at 80% of 10 minutes, served stale for 30 s more: nothing is due within a run. */
  private static RefreshSettings refreshing() {
    return RefreshSettings.after(80).servingStaleFor(Duration.ofSeconds(30));
  }

  @SuppressWarnings("unchecked")
  private static TierCache<Integer, String> create(CacheManager manager, String name,
      TierCacheConfiguration<Integer, String> config) {
    return manager.createCache(name, config).unwrap(TierCache.class);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    provider.close();
  }

  private static int nextKey() {
    return ThreadLocalRandom.current().nextInt(KEYS);
  }

  // ------------------------------------------------------------------ puts

  @Benchmark
  public void imapSet() {
    int key = nextKey();
    imap.set(key, values[key]);
  }

  @Benchmark
  public void putEternal() {
    int key = nextKey();
    eternal.put(key, values[key]);
  }

  @Benchmark
  public void putExpiring() {
    int key = nextKey();
    expiring.put(key, values[key]);
  }

  @Benchmark
  public void putExpiringJittered() {
    int key = nextKey();
    jittered.put(key, values[key]);
  }

  @Benchmark
  public void putWithOwnTimeToLive() {
    int key = nextKey();
    eternal.put(key, values[key], Duration.ofMinutes(10));
  }

  @Benchmark
  public void putCustomPolicyLocked() {
    int key = nextKey();
    customPolicy.put(key, values[key]);
  }

  // ------------------------------------------------------------------ reads

  @Benchmark
  public String l2GetPlain() {
    return l2Plain.get(nextKey());
  }

  @Benchmark
  public String l2GetRefreshing() {
    return l2Refreshing.get(nextKey());
  }

  @Benchmark
  public String l1HitPlain() {
    return l1Plain.get(nextKey());
  }

  @Benchmark
  public String l1HitRefreshing() {
    return l1Refreshing.get(nextKey());
  }

  @Benchmark
  public String l1HitThroughFunction() {
    return l1Plain.get(nextKey(), key -> values[key]);
  }

  // ------------------------------------------------------------------ version compare-and-set

  @Benchmark
  public Versioned<String> versionedReadL1Hit() {
    return l1Plain.getVersioned(nextKey());
  }

  @Benchmark
  public Versioned<String> versionedReadL2() {
    return l2Plain.getVersioned(nextKey());
  }

  @Benchmark
  public void readModifyWritePlain() {
    int key = nextKey();
    eternal.get(key);
    eternal.put(key, values[key]);
  }

  @Benchmark
  public boolean readModifyWriteVersioned() {
    int key = nextKey();
    Versioned<String> seen = eternal.getVersioned(key);
    return eternal.putIfUnchanged(key, values[key], seen);
  }

  @Benchmark
  public String missFilledThroughFunction() {
    int key = nextKey();
    eternal.remove(key);
    return eternal.get(key, k -> values[k]);
  }

  @Benchmark
  public boolean missFilledByVersionedPut() {
    int key = nextKey();
    eternal.remove(key);
    Versioned<String> seen = eternal.getVersioned(key);
    return eternal.putIfUnchanged(key, values[key], seen);
  }
}
