package dev.tiercache.benchmarks;

import dev.tiercache.TierCacheConfiguration;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.tiercache.config.NearCacheSettings;
import dev.tiercache.config.WriteBehindSettings;
import dev.tiercache.integration.JdbcCacheStore;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.spi.CachingProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Writes to PostgreSQL through Tiercache, on a two-member cluster in one JVM (one backup, so every
 * acknowledged change is on two members): how many puts per second each write mode acknowledges,
 * with the near cache off (the write paths alone) and on (the default: every change is also announced to
 * both members' near caches). The drain rate of a write-behind backlog is {@link DrainBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Djava.net.preferIPv4Stack=true", "-Dhazelcast.logging.type=none"})
public class WriteBenchmark {

  static final String JDBC_URL = System.getProperty("tiercache.bench.jdbc-url",
      "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
  private static final int KEYS = 10_000;

  @Param({"false", "true"})
  public boolean nearCache;

  private CachingProvider provider;
  private Cache<String, String> writeThrough;
  private Cache<String, String> writeBehind;
  private IMap<String, String> rawMap;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    recreate("bench_write_through");
    recreate("bench_write_behind");
    provider = Caching.getCachingProvider("dev.tiercache.TierCachingProvider");
    List<URI> members = twoMemberCluster();
    CacheManager first = provider.getCacheManager(members.get(0), null);
    CacheManager second = provider.getCacheManager(members.get(1), null);
    NearCacheSettings near = nearCache ? NearCacheSettings.DEFAULTS : NearCacheSettings.DISABLED;
    writeThrough = first.createCache("write-through", configuration("bench_write_through", null).setNearCache(near));
    second.createCache("write-through", configuration("bench_write_through", null).setNearCache(near));
    WriteBehindSettings behind = WriteBehindSettings.DEFAULTS.withDelayMillis(1_000).withBatchSize(1_000);
    writeBehind = first.createCache("write-behind", configuration("bench_write_behind", behind).setNearCache(near));
    second.createCache("write-behind", configuration("bench_write_behind", behind).setNearCache(near));
    rawMap = first.unwrap(HazelcastInstance.class).getMap("raw-write-bench"); // Hazelcast's default: 1 backup
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    provider.close();
  }

  @Benchmark
  public void writeThroughPut() {
    int key = ThreadLocalRandom.current().nextInt(KEYS);
    writeThrough.put("k" + key, "value-" + key);
  }

  @Benchmark
  public void writeBehindPut() {
    int key = ThreadLocalRandom.current().nextInt(KEYS);
    writeBehind.put("k" + key, "value-" + key);
  }

  /** The floor: one Hazelcast operation with its backup, no cache and no system of record. */
  @Benchmark
  public void hazelcastImapSet() {
    int key = ThreadLocalRandom.current().nextInt(KEYS);
    rawMap.set("k" + key, "value-" + key);
  }

  static TierCacheConfiguration<String, String> configuration(String table, WriteBehindSettings behind) {
    TierCacheConfiguration<String, String> config = new TierCacheConfiguration<String, String>().setWriteBehind(behind);
    config.setTypes(String.class, String.class).setWriteThrough(true)
        .setCacheWriterFactory(JdbcCacheStore.factory(
            new JdbcCacheStore.Settings(JDBC_URL, table, "k", "v", String.class, String.class)));
    return config;
  }

  static void recreate(String table) throws Exception {
    execute("DROP TABLE IF EXISTS " + table, "CREATE TABLE " + table + " (k text PRIMARY KEY, v text NOT NULL)");
  }

  static void execute(String... statements) throws Exception {
    try (Connection c = DriverManager.getConnection(JDBC_URL); Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }

  /** Two configuration files naming one cluster on loopback, under a name no other run uses. */
  static List<URI> twoMemberCluster() throws Exception {
    return twoMemberCluster("backups: 1");
  }

  /** {@link #twoMemberCluster()} with {@code defaults} (one setting) as the caches' defaults. */
  static List<URI> twoMemberCluster(String defaults) throws Exception {
    Path dir = Files.createTempDirectory("tiercache-bench");
    String name = "tiercache-bench-" + UUID.randomUUID();
    int[] ports = {freePort(), freePort()};
    String members = "[127.0.0.1:" + ports[0] + ", 127.0.0.1:" + ports[1] + "]";
    List<URI> uris = new CopyOnWriteArrayList<>();
    for (int port : ports) {
      Path file = dir.resolve("member-" + port + ".yaml");
      Files.writeString(file, "tiercache:\n  cluster:\n    name: " + name + "\n    port: " + port
          + "\n    members: " + members + "\n  defaults:\n    " + defaults + "\n");
      uris.add(file.toUri());
    }
    return uris;
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
