package dev.tiercache.benchmarks;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NearCacheConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.tiercache.TierCacheConfiguration;
import dev.tiercache.config.NearCacheSettings;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.UUID;
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
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.jcache.configuration.RedissonConfiguration;

/**
 * Get hits, side by side: Tiercache's near cache (L1) against the tools a team would otherwise pick.
 * All read the same 1,024 keys with ~100-character String values, or a small mutable POJO.
 *
 * <ul>
 *   <li>Tiercache L1 hit, String and POJO (one member, default settings: near cache on, store by value).
 *   <li>Raw Caffeine {@code getIfPresent} (no copy at all): the ceiling.
 *   <li>Caffeine's JCache provider, store by value with its default copier (Java serialization for
 *       anything but known immutable types).
 *   <li>Hazelcast's own near cache on a plain two-member Hazelcast cluster, OBJECT and BINARY formats,
 *       for keys owned by the other member; and a plain {@code IMap.get} of such a key (remote owner).
 *   <li>Redis on 127.0.0.1 through Redisson: a plain GET ({@code RBucket.get}) and Redisson's JCache.
 *   <li>An L1 miss served from a local L2 partition ({@code tiercacheL1Miss}: 100,000 keys read at random
 *       through a near cache of 1,000) against a raw {@code IMap.get} of the same keys on the same member.
 * </ul>
 * Run with {@code -t 1} and {@code -t 2} (threads); the command is in docs/benchmarks.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Djava.net.preferIPv4Stack=true", "-Dhazelcast.logging.type=none"})
public class NearCacheBenchmark {

  private static final int KEYS = 1024;
  private static final int MISS_KEYS = 100_000;

  /** A small mutable value. */
  public static final class Pojo implements Serializable {
    private static final long serialVersionUID = 1L;
    int id;
    String name;
    long price;
    double score;
    boolean active;

    Pojo(int id) {
      this.id = id;
      this.name = "product-" + id;
      this.price = 100L * id;
      this.score = id / 7.0;
      this.active = id % 2 == 0;
    }
  }

  private CachingProvider tiercacheProvider;
  private CachingProvider caffeineProvider;
  private CachingProvider redissonProvider;
  private RedissonClient redis;
  private HazelcastInstance hazelcastA;
  private HazelcastInstance hazelcastB;

  private Cache<Integer, String> tiercacheString;
  private Cache<Integer, Pojo> tiercachePojo;
  private Cache<Integer, String> tiercacheMisses;
  private IMap<Integer, String> tiercacheMemberImap;
  private com.github.benmanes.caffeine.cache.Cache<Integer, String> caffeine;
  private Cache<Integer, String> caffeineJCacheString;
  private Cache<Integer, Pojo> caffeineJCachePojo;
  private IMap<Integer, String> nearObjectString;
  private IMap<Integer, Pojo> nearObjectPojo;
  private IMap<Integer, String> nearBinaryString;
  private IMap<Integer, Pojo> nearBinaryPojo;
  private IMap<Integer, String> remoteImap;
  private Cache<String, String> redissonJCache;
  private final Integer[] remoteKeys = new Integer[KEYS];
  private final String[] redisKeys = new String[KEYS];

  @Setup(Level.Trial)
  public void setUp() {
    tiercacheProvider = Caching.getCachingProvider("dev.tiercache.TierCachingProvider");
    CacheManager tiercacheManager = tiercacheProvider.getCacheManager();
    tiercacheString = tiercacheManager.createCache("l1-string",
        new MutableConfiguration<Integer, String>().setTypes(Integer.class, String.class));
    tiercachePojo = tiercacheManager.createCache("l1-pojo",
        new MutableConfiguration<Integer, Pojo>().setTypes(Integer.class, Pojo.class));
    tiercacheMisses = tiercacheManager.createCache("l1-miss", new TierCacheConfiguration<Integer, String>()
        .setNearCache(NearCacheSettings.DEFAULTS.withMaxEntries(1_000)).setTypes(Integer.class, String.class));
    tiercacheMemberImap = tiercacheManager.unwrap(HazelcastInstance.class).getMap("raw-imap-near-bench");

    caffeine = Caffeine.newBuilder().maximumSize(10_000).build();
    caffeineProvider = Caching.getCachingProvider("com.github.benmanes.caffeine.jcache.spi.CaffeineCachingProvider");
    caffeineJCacheString = caffeineProvider.getCacheManager().createCache("string",
        new MutableConfiguration<Integer, String>().setTypes(Integer.class, String.class));
    caffeineJCachePojo = caffeineProvider.getCacheManager().createCache("pojo",
        new MutableConfiguration<Integer, Pojo>().setTypes(Integer.class, Pojo.class));

    String cluster = "near-bench-" + UUID.randomUUID();
    int portA = freePort();
    int portB = freePort();
    hazelcastA = Hazelcast.newHazelcastInstance(hazelcastConfig(cluster, portA, portB));
    hazelcastB = Hazelcast.newHazelcastInstance(hazelcastConfig(cluster, portB, portA));
    nearObjectString = hazelcastA.getMap("near-object-string");
    nearObjectPojo = hazelcastA.getMap("near-object-pojo");
    nearBinaryString = hazelcastA.getMap("near-binary-string");
    nearBinaryPojo = hazelcastA.getMap("near-binary-pojo");
    remoteImap = hazelcastA.getMap("plain");
    for (int i = 0, candidate = 0; i < KEYS; candidate++) {
      if (hazelcastA.getPartitionService().getPartition(candidate).getOwner().localMember()) {
        continue; // near caches keep only entries owned elsewhere; the remote get needs a remote owner
      }
      remoteKeys[i++] = candidate;
    }

    org.redisson.config.Config redisConfig = new org.redisson.config.Config();
    redisConfig.useSingleServer().setAddress("redis://127.0.0.1:6379");
    redis = Redisson.create(redisConfig);
    redissonProvider = Caching.getCachingProvider("org.redisson.jcache.JCachingProvider");
    redissonJCache = redissonProvider.getCacheManager().createCache("near-bench-" + UUID.randomUUID(),
        RedissonConfiguration.fromConfig(redisConfig,
            new MutableConfiguration<String, String>().setTypes(String.class, String.class)));

    for (int i = 0; i < KEYS; i++) {
      String value = value(i);
      Pojo pojo = new Pojo(i);
      tiercacheString.put(i, value);
      tiercachePojo.put(i, pojo);
      caffeine.put(i, value);
      caffeineJCacheString.put(i, value);
      caffeineJCachePojo.put(i, pojo);
      int remote = remoteKeys[i];
      nearObjectString.set(remote, value);
      nearObjectPojo.set(remote, new Pojo(remote));
      nearBinaryString.set(remote, value);
      nearBinaryPojo.set(remote, new Pojo(remote));
      remoteImap.set(remote, value);
      redisKeys[i] = "near-bench:" + i;
      redis.getBucket(redisKeys[i], StringCodec.INSTANCE).set(value);
      redissonJCache.put(redisKeys[i], value);
    }
    for (int i = 0; i < MISS_KEYS; i++) {
      tiercacheMisses.put(i, value(i));
      tiercacheMemberImap.set(i, value(i));
    }
    for (int i = 0; i < KEYS; i++) { // fill the near caches
      tiercacheString.get(i);
      tiercachePojo.get(i);
      nearObjectString.get(remoteKeys[i]);
      nearObjectPojo.get(remoteKeys[i]);
      nearBinaryString.get(remoteKeys[i]);
      nearBinaryPojo.get(remoteKeys[i]);
    }
  }

  private static String value(int i) {
    return "value-" + i + "-" + "x".repeat(90);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Config hazelcastConfig(String cluster, int port, int otherPort) {
    Config config = plainMember(cluster, port, otherPort);
    config.addMapConfig(nearCached("near-object-*", InMemoryFormat.OBJECT));
    config.addMapConfig(nearCached("near-binary-*", InMemoryFormat.BINARY));
    return config;
  }

  /** A plain Hazelcast member on loopback, of a two-member cluster with the member at {@code otherPort}. */
  static Config plainMember(String cluster, int port, int otherPort) {
    Config config = new Config();
    config.setClusterName(cluster);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.getJetConfig().setEnabled(false);
    config.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + port).addMember("127.0.0.1:" + otherPort);
    return config;
  }

  private static MapConfig nearCached(String pattern, InMemoryFormat format) {
    return new MapConfig(pattern).setNearCacheConfig(new NearCacheConfig().setInMemoryFormat(format));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    redis.getKeys().deleteByPattern("near-bench:*");
    redissonProvider.close();
    redis.shutdown();
    hazelcastA.shutdown();
    hazelcastB.shutdown();
    tiercacheProvider.close();
    caffeineProvider.close();
  }

  private static int nextKey() {
    return ThreadLocalRandom.current().nextInt(KEYS);
  }

  @Benchmark
  public String tiercacheL1HitString() {
    return tiercacheString.get(nextKey());
  }

  @Benchmark
  public Pojo tiercacheL1HitPojo() {
    return tiercachePojo.get(nextKey());
  }

  @Benchmark
  public String caffeineGetIfPresent() {
    return caffeine.getIfPresent(nextKey());
  }

  @Benchmark
  public String caffeineJCacheString() {
    return caffeineJCacheString.get(nextKey());
  }

  @Benchmark
  public Pojo caffeineJCachePojo() {
    return caffeineJCachePojo.get(nextKey());
  }

  @Benchmark
  public String hazelcastNearCacheObjectString() {
    return nearObjectString.get(remoteKeys[nextKey()]);
  }

  @Benchmark
  public Pojo hazelcastNearCacheObjectPojo() {
    return nearObjectPojo.get(remoteKeys[nextKey()]);
  }

  @Benchmark
  public String hazelcastNearCacheBinaryString() {
    return nearBinaryString.get(remoteKeys[nextKey()]);
  }

  @Benchmark
  public Pojo hazelcastNearCacheBinaryPojo() {
    return nearBinaryPojo.get(remoteKeys[nextKey()]);
  }

  @Benchmark
  public String hazelcastImapGetRemoteOwner() {
    return remoteImap.get(remoteKeys[nextKey()]);
  }

  @Benchmark
  public String redisGetRedisson() {
    return redis.<String>getBucket(redisKeys[nextKey()], StringCodec.INSTANCE).get();
  }

  @Benchmark
  public String redissonJCacheGet() {
    return redissonJCache.get(redisKeys[nextKey()]);
  }

  @Benchmark
  public String tiercacheL1Miss() {
    return tiercacheMisses.get(ThreadLocalRandom.current().nextInt(MISS_KEYS));
  }

  @Benchmark
  public String hazelcastImapGetLocal() {
    return tiercacheMemberImap.get(ThreadLocalRandom.current().nextInt(MISS_KEYS));
  }
}
