package dev.tiercache.benchmarks;

import dev.tiercache.TierCache;
import dev.tiercache.TierCacheConfiguration;
import dev.tiercache.config.WriteBehindSettings;
import dev.tiercache.integration.JdbcCacheStore;
import dev.tiercache.integration.WriteBehind;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.Factory;
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
 * How fast a write-behind backlog of {@value #CHANGES} changes drains into PostgreSQL, against a
 * hand-written JDBC loop upserting the same rows in batches of 1,000, one transaction each. The backlog
 * is built with a delay of an hour (nothing is due), then {@code WriteBehind.flush()} writes it all:
 * reading the pending changes, batching, {@code writeAll}, removing what was written. Each iteration
 * is timed once (single shot). At the end the fork prints the database round trips per 1,000 changes
 * and the batch sizes write-behind used.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Djava.net.preferIPv4Stack=true", "-Dhazelcast.logging.type=none"})
public class DrainBenchmark {

  static final int CHANGES = 20_000;
  private static final String TABLE = "bench_drain";
  private static final List<JdbcCacheStore<String, String>> STORES = new CopyOnWriteArrayList<>();

  /** Keeps the stores the cache makes, to count their round trips. */
  public static final class CountingStoreFactory implements Factory<JdbcCacheStore<String, String>> {
    @Override
    public JdbcCacheStore<String, String> create() {
      JdbcCacheStore<String, String> store = new JdbcCacheStore<>(new JdbcCacheStore.Settings(
          WriteBenchmark.JDBC_URL, TABLE, "k", "v", String.class, String.class));
      STORES.add(store);
      return store;
    }
  }

  /** A write-behind cache whose backlog is rebuilt before every iteration. */
  @State(Scope.Benchmark)
  public static class Backlog {
    CachingProvider provider;
    Cache<String, String> cache;
    WriteBehind<String, String> writeBehind;
    long drainTrips;
    long drained;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      WriteBenchmark.recreate(TABLE);
      provider = Caching.getCachingProvider("dev.tiercache.TierCachingProvider");
      CacheManager manager = provider.getCacheManager();
      TierCacheConfiguration<String, String> config = new TierCacheConfiguration<String, String>()
          .setWriteBehind(new WriteBehindSettings(3_600_000, 1_000, 1_000_000, WriteBehindSettings.WhenFull.BLOCK,
              30_000));
      config.setTypes(String.class, String.class).setWriteThrough(true)
          .setCacheWriterFactory(new CountingStoreFactory());
      cache = manager.createCache("drain", config);
      @SuppressWarnings("unchecked")
      TierCache<String, String> tiercache = cache.unwrap(TierCache.class);
      writeBehind = tiercache.writeBehind().orElseThrow();
    }

    /** 20,000 acknowledged puts pile up (none is due for an hour). */
    @Setup(Level.Iteration)
    public void buildBacklog() throws Exception {
      int round = (int) (System.nanoTime() & 0xffff);
      for (int i = 0; i < CHANGES; i++) {
        cache.put("k" + i, "value-" + round + "-" + i);
      }
    }

    /** Outside the timed drain: it really emptied the backlog (an exact count, one query over the map). */
    @TearDown(Level.Iteration)
    public void checkDrained() {
      if (writeBehind.getBacklog() != 0) {
        throw new IllegalStateException("the backlog did not drain: " + writeBehind.getBacklog() + " left");
      }
    }

    @TearDown(Level.Trial)
    public void report() {
      System.out.printf("%nwrite-behind drain: %.2f database round trips per 1000 changes; batch sizes %s%n",
          drainTrips * 1000.0 / Math.max(1, drained), summary(writeBehind.recentBatchSizes()));
      provider.close();
    }
  }

  /** The same table for the hand-written loop. */
  @State(Scope.Benchmark)
  public static class Table {
    @Setup(Level.Trial)
    public void setUp() throws Exception {
      WriteBenchmark.recreate(TABLE);
    }
  }

  @Benchmark
  public long writeBehindDrain(Backlog backlog) throws Exception {
    long before = roundTrips();
    if (!backlog.writeBehind.flush()) {
      throw new IllegalStateException("the writer failed: " + backlog.writeBehind.getLastError());
    }
    backlog.drainTrips += roundTrips() - before;
    backlog.drained += CHANGES;
    return backlog.drained;
  }

  @Benchmark
  public int handWrittenJdbcBatchLoop(Table table) throws Exception {
    int round = (int) (System.nanoTime() & 0xffff);
    try (Connection c = DriverManager.getConnection(WriteBenchmark.JDBC_URL)) {
      c.setAutoCommit(false);
      try (PreparedStatement s = c.prepareStatement("INSERT INTO " + TABLE + " (k, v) VALUES (?, ?) "
          + "ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v")) {
        for (int i = 0; i < CHANGES; i++) {
          s.setString(1, "k" + i);
          s.setString(2, "loop-" + round + "-" + i);
          s.addBatch();
          if ((i + 1) % 1_000 == 0) {
            s.executeBatch();
            c.commit();
          }
        }
      }
    }
    return CHANGES;
  }

  private static long roundTrips() {
    return STORES.stream().mapToLong(JdbcCacheStore::roundTrips).sum();
  }

  private static String summary(int[] sizes) {
    if (sizes.length == 0) {
      return "(none)";
    }
    int[] sorted = sizes.clone();
    Arrays.sort(sorted);
    return String.format("n=%d min=%d p10=%d median=%d max=%d", sorted.length, sorted[0],
        sorted[sorted.length / 10], sorted[sorted.length / 2], sorted[sorted.length - 1]);
  }
}
