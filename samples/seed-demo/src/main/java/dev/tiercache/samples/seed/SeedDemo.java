package dev.tiercache.samples.seed;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import com.hazelcast.core.HazelcastInstance;
import dev.tiercache.TierCache;
import dev.tiercache.TierCacheConfiguration;
import dev.tiercache.Versioned;
import dev.tiercache.config.ExpiryJitter;
import dev.tiercache.config.NearCacheSettings;
import dev.tiercache.config.RefreshSettings;
import dev.tiercache.config.WarmUpSettings;
import dev.tiercache.config.WriteBehindSettings;
import dev.tiercache.integration.JdbcCacheStore;
import dev.tiercache.management.StatisticsSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.expiry.ModifiedExpiryPolicy;

/**
 * The seed's story, measured: three application instances (Hazelcast members in this JVM, each with
 * its own near cache), a {@code users} table in a real database, a skewed read workload. First the
 * seed's comparison of architectures (a local cache per instance, a shared cache without L1, Tiercache's
 * L1 + L2) by hit rate per tier, database queries per second and read latency; then each of the seed's
 * failure stories twice, without and with the feature that answers it. Prints a table, writes an SVG
 * chart of it beside the output, and exits.
 *
 * <p>{@code java -jar tiercache-seed-demo.jar [output-directory]}; {@code --quick} runs every step at a
 * fifth of its length (what the smoke test does).
 */
public final class SeedDemo {

  /** Rows of the {@code users} table, and keys of the workload. */
  static final int USERS = 20_000;
  /** Reader threads per instance. */
  private static final int READERS_PER_INSTANCE = 2;
  /** Reads each reader starts per second in the architecture runs: the same offered load for all. */
  private static final int READS_PER_SECOND = 400;
  /** Kept so that the levels set on them stay (the log manager holds loggers weakly). */
  private static final Logger HAZELCAST_LOG = Logger.getLogger("com.hazelcast");
  private static final Logger TIERCACHE_LOG = Logger.getLogger("dev.tiercache");
  private static final int INSTANCES = 3;
  /** Entries each instance's local cache or near cache holds: a tenth of the table. */
  private static final int LOCAL_ENTRIES = 2_000;
  /** How skewed the reads are: with 1.1, a tenth of the keys takes about four fifths of the reads. */
  private static final double ZIPF_EXPONENT = 1.1;
  /** Entries written together in the thundering-herd story. */
  private static final int HERD = 600;
  /** Each reader's pace on the hot key of the stale-while-revalidate story. */
  private static final int HOT_KEY_READS_PER_SECOND = 1_000;
  /** How many times the delete races the query, in each variant. */
  private static final int RACES = 20;
  /** One-time codes written in the per-entry time-to-live story. */
  private static final int CODES = 500;
  /** How long the cold-start story watches the instances after they start, at any scale. */
  private static final long COLD_START_MILLIS = 3_000;

  /** One line of the architecture table. */
  record Row(String architecture, double l1Percent, double l2Percent, double missPercent, double dbQueriesPerSecond,
      double dbQueriesPerThousandReads, double p50Micros, double p99Micros) {}

  /** One failure story: what was measured, without and with the feature. */
  record Story(String story, String measure, String feature, double without, double with, String unit) {}

  /** Everything the demo measured. */
  record Report(String database, List<Row> rows, List<Story> stories, long elapsedMillis) {}

  private final Database db;
  private final Path dir;
  private final double scale;
  private final Progress progress;

  private SeedDemo(Database db, Path dir, double scale, Progress progress) {
    this.db = db;
    this.dir = dir;
    this.scale = scale;
    this.progress = progress;
  }

  public static void main(String[] args) throws Exception {
    boolean quick = List.of(args).contains("--quick");
    Path out = Path.of(List.of(args).stream().filter(a -> !a.startsWith("--")).findFirst().orElse("."));
    Report report = run(out, quick ? 0.2 : 1.0, true);
    System.out.println(Charts.table(report));
    Path svg = out.resolve("seed-demo.svg");
    Files.writeString(svg, Charts.svg(report));
    System.out.println("Chart: " + svg.toAbsolutePath());
    System.exit(0); // the members are closed; nothing else should keep the JVM up
  }

  /** Runs every step; {@code scale} shortens them (1: about two minutes). */
  static Report run(Path out, double scale, boolean showProgress) throws Exception {
    HAZELCAST_LOG.setLevel(Level.SEVERE);
    TIERCACHE_LOG.setLevel(Level.WARNING);
    Files.createDirectories(out);
    Path dir = Files.createTempDirectory("tiercache-seed-demo");
    Database db = Database.open(dir);
    long start = System.currentTimeMillis();
    Progress progress = new Progress(showProgress, 18);
    SeedDemo demo = new SeedDemo(db, dir, scale, progress);
    try {
      progress.step("creating " + USERS + " users in " + db.kind);
      db.createTable("users", USERS);
      List<Row> rows = List.of(demo.localOnly(), demo.distributed(false), demo.distributed(true));
      List<Story> stories = List.of(demo.thunderingHerd(), demo.timeToLivePerEntry(), demo.stampede(),
          demo.coldStart(), demo.deleteRacesTheQuery(), demo.staleWhileRevalidate(), demo.writeBehind(),
          demo.memberKilled());
      return new Report(db.kind, rows, stories, System.currentTimeMillis() - start);
    } finally {
      progress.done();
    }
  }

  private long millis(long full) {
    return Math.max(200, (long) (full * scale));
  }

  /** How long each architecture runs: 7 s, and never under 3 s, the least that tells them apart. */
  private long architectureMillis() {
    return Math.max(3_000, millis(7_000));
  }

  // ------------------------------------------------------------------ the architectures

  /** A Caffeine cache in each instance, loading from the database: what most teams start with. */
  private Row localOnly() throws Exception {
    progress.step("local cache per instance");
    List<LoadingCache<String, String>> locals = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      JdbcCacheStore<String, String> store = db.store("users", "local").create();
      locals.add(Caffeine.newBuilder().maximumSize(LOCAL_ENTRIES).recordStats().build(store::load));
    }
    Workload.Zipf zipf = new Workload.Zipf(USERS, ZIPF_EXPONENT);
    java.util.function.IntConsumer read = t -> locals.get(t % INSTANCES).get("user:" + zipf.next());
    warm(read);
    List<CacheStats> warmed = locals.stream().map(LoadingCache::stats).toList();
    long before = Database.statements("local");
    Workload.Latencies latencies = Workload.run(INSTANCES * READERS_PER_INSTANCE, architectureMillis(),
        READS_PER_SECOND, read);
    double queries = Database.statements("local") - before;
    long hits = 0;
    long misses = 0;
    for (int i = 0; i < INSTANCES; i++) {
      CacheStats measured = locals.get(i).stats().minus(warmed.get(i));
      hits += measured.hitCount();
      misses += measured.missCount();
    }
    double reads = hits + misses;
    return new Row("local cache per instance (Caffeine)", 100 * hits / reads, 0, 100 * misses / reads,
        queries / seconds(latencies), 1_000 * queries / latencies.reads(), micros(latencies.percentile(50)),
        micros(latencies.percentile(99)));
  }

  /**
   * Runs the workload once unmeasured, as long as the measured run: each architecture is compared warm,
   * as it runs in production, not by how fast it fills from cold (which all three pay alike, key by key).
   */
  private void warm(java.util.function.IntConsumer read) throws Exception {
    Workload.run(INSTANCES * READERS_PER_INSTANCE, architectureMillis(), READS_PER_SECOND, read);
  }

  /** Tiercache read-through on three instances, with or without the near cache. */
  @SuppressWarnings("unchecked")
  private Row distributed(boolean nearCache) throws Exception {
    progress.step(nearCache ? "Tiercache, L1 + L2" : "shared cache, no L1");
    String label = nearCache ? "tiers" : "l2";
    try (Instances instances = Instances.start(dir, INSTANCES, "")) {
      List<TierCache<String, String>> caches = new ArrayList<>();
      for (int i = 0; i < INSTANCES; i++) {
        TierCacheConfiguration<String, String> config = new TierCacheConfiguration<String, String>()
            .setNearCache(nearCache ? NearCacheSettings.DEFAULTS.withMaxEntries(LOCAL_ENTRIES)
                : NearCacheSettings.DISABLED);
        config.setTypes(String.class, String.class).setStatisticsEnabled(true).setReadThrough(true)
            .setCacheLoaderFactory(db.store("users", label));
        caches.add(instances.manager(i).createCache("users", config).unwrap(TierCache.class));
      }
      Workload.Zipf zipf = new Workload.Zipf(USERS, ZIPF_EXPONENT);
      java.util.function.IntConsumer read = t -> caches.get(t % INSTANCES).get("user:" + zipf.next());
      warm(read);
      caches.forEach(cache -> cache.statistics().clear());
      long before = Database.statements(label);
      Workload.Latencies latencies = Workload.run(INSTANCES * READERS_PER_INSTANCE, architectureMillis(),
          READS_PER_SECOND, read);
      double queries = Database.statements(label) - before;
      StatisticsSnapshot all = caches.get(0).clusterStatistics();
      return new Row(nearCache ? "Tiercache: L1 near cache + L2" : "shared cache, no L1 (Tiercache L2 only)",
          all.l1HitPercentage(), all.l2HitPercentage(), all.missPercentage(), queries / seconds(latencies),
          1_000 * queries / latencies.reads(), micros(latencies.percentile(50)), micros(latencies.percentile(99)));
    }
  }

  // ------------------------------------------------------------------ the failure stories

  /**
   * 600 entries written at once with a 2 s time to live, then read on every instance: the peak of
   * database queries in any 250 ms, without and with 100% TTL jitter (which spreads their expiry over
   * 2 s: about 75 a 250 ms; without it all 600 expire together and the readers reload as fast as they can).
   */
  private Story thunderingHerd() throws Exception {
    double[] peaks = bothWays(jitter -> {
      progress.step("thundering herd, jitter " + (jitter ? "on" : "off"));
      String label = jitter ? "herd-jitter" : "herd";
      try (Instances instances = Instances.start(dir, INSTANCES, "")) {
        List<TierCache<String, String>> caches = open(instances, "herd", config -> {
          config.setExpiryJitter(jitter ? ExpiryJitter.ofPercent(100) : ExpiryJitter.NONE)
              .setReadThrough(true).setCacheLoaderFactory(db.store("users", label));
          config.setExpiryPolicyFactory(ModifiedExpiryPolicy.factoryOf(new javax.cache.expiry.Duration(
              TimeUnit.SECONDS, 2)));
        });
        Map<String, String> batch = new LinkedHashMap<>();
        for (int i = 0; i < HERD; i++) {
          batch.put("user:" + i, Database.profile(i, 1));
        }
        caches.get(0).putAll(batch);
        List<Long> samples = new ArrayList<>();
        Thread sampler = sampler(label, samples);
        Workload.run(INSTANCES * READERS_PER_INSTANCE, 4_600,
            t -> caches.get(t % INSTANCES).get("user:" + ThreadLocalRandom.current().nextInt(HERD)));
        sampler.interrupt();
        sampler.join();
        return peakPer250ms(samples);
      }
    });
    return new Story("thundering herd: 600 entries written together, 2 s TTL", "peak DB queries in 250 ms",
        "TTL jitter 100%", peaks[0], peaks[1], "queries");
  }

  /** Counts the label's statements every 50 ms into {@code samples} until interrupted. */
  private static Thread sampler(String label, List<Long> samples) {
    Thread thread = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        synchronized (samples) {
          samples.add(Database.statements(label));
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static double peakPer250ms(List<Long> samples) {
    long peak = 0;
    synchronized (samples) {
      for (int i = 5; i < samples.size(); i++) {
        peak = Math.max(peak, samples.get(i) - samples.get(i - 5));
      }
    }
    return peak;
  }

  /**
   * The seed's {@code cache.set(key, value, ttl)}: {@value #CODES} one-time codes that must live 1 s, in a
   * cache whose policy keeps entries 10 minutes, read on both instances 1.5 s later: codes still served,
   * written with a plain {@code put} and with {@code put(key, value, Duration.ofSeconds(1))}.
   */
  private Story timeToLivePerEntry() throws Exception {
    progress.step("one-time codes, per-entry time to live");
    double[] served = new double[2];
    try (Instances instances = Instances.start(dir, 2, "")) {
      for (int run = 0; run < 2; run++) {
        boolean ownTtl = run == 1;
        List<TierCache<String, String>> caches = open(instances, "codes-" + run, config ->
            config.setExpiryPolicyFactory(ModifiedExpiryPolicy.factoryOf(new javax.cache.expiry.Duration(
                TimeUnit.MINUTES, 10))));
        for (int i = 0; i < CODES; i++) {
          String code = "code:" + i;
          if (ownTtl) {
            caches.get(0).put(code, "user:" + i, Duration.ofSeconds(1));
          } else {
            caches.get(0).put(code, "user:" + i);
          }
          caches.get(1).get(code); // the other instance reads it too, into its near cache
        }
        Thread.sleep(1_500);
        for (int i = 0; i < CODES; i++) {
          String code = "code:" + i;
          if (caches.get(0).get(code) != null || caches.get(1).get(code) != null) {
            served[run]++;
          }
        }
      }
    }
    return new Story("one-time codes: " + CODES + " valid 1 s, cache policy 10 min", "codes served after 1.5 s",
        "put(key, value, ttl)", served[0], served[1], "codes");
  }

  /**
   * One hot key missing, a 300 ms query, 12 readers on three instances at once: database queries for
   * that key with the hand-written cache-aside (get, miss, query, put) and with {@code get(key, query)}.
   */
  private Story stampede() throws Exception {
    double[] queries = bothWays(singleFlight -> {
      progress.step("stampede, single flight " + (singleFlight ? "on" : "off"));
      try (Instances instances = Instances.start(dir, INSTANCES, "")) {
        List<TierCache<String, String>> caches = open(instances, "stampede", config -> { });
        String label = singleFlight ? "stampede-single" : "stampede";
        JdbcCacheStore<String, String> table = db.store("users", label).create();
        AtomicLong calls = new AtomicLong();
        java.util.function.Function<String, String> slowQuery = key -> {
          calls.incrementAndGet();
          Database.sleep(300);
          return table.load(key);
        };
        int readers = INSTANCES * 4;
        CyclicBarrier together = new CyclicBarrier(readers);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(readers);
        List<java.util.concurrent.Future<?>> reads = new ArrayList<>();
        for (int t = 0; t < readers; t++) {
          TierCache<String, String> cache = caches.get(t % INSTANCES);
          reads.add(pool.submit(() -> {
            together.await();
            if (singleFlight) {
              return cache.get("user:7", slowQuery);
            }
            String value = cache.get("user:7"); // the seed's cache-aside, by hand
            if (value == null) {
              value = slowQuery.apply("user:7");
              cache.put("user:7", value);
            }
            return value;
          }));
        }
        for (java.util.concurrent.Future<?> read : reads) {
          read.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        return calls.get();
      }
    });
    return new Story("cache stampede: one hot key missing, 300 ms query, 12 readers", "DB queries for the key",
        "single flight: get(key, query)", queries[0], queries[1], "queries");
  }

  /**
   * Three instances start with an empty cache and take reads at once: reads in their first 3 s that
   * missed and waited for the database, without and with warm-up (one member loads every key of the table
   * through {@code loadAll}, 1,000 a batch, in the background while the cache answers).
   */
  private Story coldStart() throws Exception {
    double[] misses = bothWays(warm -> {
      progress.step("a cold start, warm-up " + (warm ? "on" : "off"));
      String label = warm ? "cold-warmed" : "cold";
      try (Instances instances = Instances.start(dir, INSTANCES, "")) {
        List<TierCache<String, String>> caches = open(instances, "users", config -> {
          config.setWarmUp(warm ? WarmUpSettings.DEFAULTS : null);
          config.setStatisticsEnabled(true).setReadThrough(true).setCacheLoaderFactory(db.store("users", label));
        });
        Workload.Zipf zipf = new Workload.Zipf(USERS, ZIPF_EXPONENT);
        Workload.run(INSTANCES * READERS_PER_INSTANCE, COLD_START_MILLIS, READS_PER_SECOND,
            t -> caches.get(t % INSTANCES).get("user:" + zipf.next()));
        return caches.get(0).clusterStatistics().misses();
      }
    });
    String story = String.format(java.util.Locale.ROOT, "a cold start: 3 instances start, %,d users, reads at once",
        USERS);
    return new Story(story, "reads that waited for the DB, 3 s", "warm-up", misses[0], misses[1], "reads");
  }

  /**
   * The seed's cache-aside by hand on two instances, the race it loses: instance A misses a key and queries
   * its row; meanwhile instance B updates the row and removes the entry; then A caches the row it read.
   * Played {@value #RACES} times, one key each, in that order: entries left holding a row the database no
   * longer has, with a plain {@code put} and with {@code getVersioned} / {@code putIfUnchanged}.
   */
  private Story deleteRacesTheQuery() throws Exception {
    double[] stale = bothWays(versioned -> {
      progress.step("a delete races the query, " + (versioned ? "versioned put" : "plain put"));
      int staleLeft = 0;
      try (Instances instances = Instances.start(dir, 2, "")) {
        List<TierCache<String, String>> caches = open(instances, "race", config -> { });
        TierCache<String, String> a = caches.get(0);
        TierCache<String, String> b = caches.get(1);
        JdbcCacheStore<String, String> table = db.store("users", "race").create();
        for (int i = 0; i < RACES; i++) {
          String key = "user:" + ((versioned ? RACES : 0) + i); // each variant its own keys
          Versioned<String> seen = versioned ? a.getVersioned(key) : null;
          if (versioned ? seen.isPresent() : a.get(key) != null) {
            continue;
          }
          String row = table.load(key); // A's query
          String edited = row.replace("\"version\":1", "\"version\":2");
          db.update("users", key, edited); // B's update...
          b.remove(key); // ...and its removal of the entry, while A holds the old row
          if (versioned) {
            a.putIfUnchanged(key, row, seen);
          } else {
            a.put(key, row);
          }
          String cached = b.get(key);
          if (cached != null && !cached.equals(edited)) {
            staleLeft++;
          }
        }
      }
      return staleLeft;
    });
    return new Story("a delete races the query: " + RACES + " times on two instances", "stale entries left",
        "getVersioned + putIfUnchanged", stale[0], stale[1], "entries");
  }

  /**
   * One hot key with a 1 s time to live and a 250 ms load, read on every instance: reads that waited
   * longer than 100 ms, without refresh and with a 5 s stale window (serve the old value, reload behind).
   */
  private Story staleWhileRevalidate() throws Exception {
    double[] slowReads = bothWays(refresh -> {
      String label = refresh ? "swr-refresh" : "swr";
      progress.step("stale-while-revalidate " + (refresh ? "on" : "off"));
      try (Instances instances = Instances.start(dir, INSTANCES, "")) {
        List<TierCache<String, String>> caches = open(instances, "swr", config -> {
          config.setRefresh(refresh ? RefreshSettings.NONE.servingStaleFor(Duration.ofSeconds(5))
                  : RefreshSettings.NONE)
              .setReadThrough(true).setCacheLoaderFactory(db.slowStore("users", label, 250));
          config.setExpiryPolicyFactory(ModifiedExpiryPolicy.factoryOf(new javax.cache.expiry.Duration(
              TimeUnit.SECONDS, 1)));
        });
        caches.get(0).get("user:1");
        // Paced: an unpaced L1 hit loop would fill its latency samples within a second and miss the rest.
        Workload.Latencies latencies = Workload.run(INSTANCES * READERS_PER_INSTANCE, millis(5_000),
            HOT_KEY_READS_PER_SECOND, t -> caches.get(t % INSTANCES).get("user:1"));
        long slow = 0;
        for (long nanos : latencies.sorted()) {
          slow += nanos > TimeUnit.MILLISECONDS.toNanos(100) ? 1 : 0;
        }
        return slow;
      }
    });
    return new Story("expiry of a hot key: 1 s TTL, 250 ms reload, 6 readers", "reads that waited > 100 ms",
        "stale-while-revalidate", slowReads[0], slowReads[1], "reads");
  }

  /** 1,000 writes on two instances: database statements per 1,000 writes, write-through and write-behind. */
  @SuppressWarnings("unchecked")
  private Story writeBehind() throws Exception {
    double[] perThousand = bothWays(behind -> {
      progress.step("writes, " + (behind ? "write-behind" : "write-through"));
      String table = behind ? "orders_behind" : "orders_through";
      db.createTable(table, 0);
      try (Instances instances = Instances.start(dir, 2, "")) {
        List<TierCache<String, String>> caches = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          TierCacheConfiguration<String, String> config = new TierCacheConfiguration<String, String>()
              .setWriteBehind(behind ? WriteBehindSettings.DEFAULTS.withDelayMillis(200) : null);
          config.setTypes(String.class, String.class).setWriteThrough(true)
              .setCacheWriterFactory(db.store(table, table));
          caches.add(instances.manager(i).createCache("orders", config).unwrap(TierCache.class));
        }
        for (int i = 0; i < 1_000; i++) {
          caches.get(i % 2).put("order:" + i, "{\"order\":" + i + "}");
        }
        if (behind) {
          for (TierCache<String, String> cache : caches) {
            cache.writeBehind().orElseThrow().flush();
          }
        }
        return Database.statements(table);
      }
    });
    return new Story("writes: 1,000 puts on two instances", "DB statements per 1,000 writes", "write-behind",
        perThousand[0], perThousand[1], "statements");
  }

  /** 3,000 entries on three instances, one instance killed: entries lost with 0 and with 1 backup. */
  @SuppressWarnings("unchecked")
  private Story memberKilled() throws Exception {
    progress.step("an instance killed");
    String caches = "  caches:\n    backups-0:\n      backups: 0\n    backups-1:\n      backups: 1\n";
    double[] lost = new double[2];
    try (Instances instances = Instances.start(dir, INSTANCES, caches)) {
      Set<String> keys = new HashSet<>();
      for (int i = 0; i < 3_000; i++) {
        keys.add("user:" + i);
      }
      for (int backups = 0; backups < 2; backups++) {
        TierCache<Object, Object> cache = instances.manager(0).getCache("backups-" + backups).unwrap(TierCache.class);
        for (String key : keys) {
          cache.put(key, "profile of " + key);
        }
      }
      instances.manager(2).unwrap(HazelcastInstance.class).getLifecycleService().terminate(); // no goodbye
      HazelcastInstance survivor = instances.manager(0).unwrap(HazelcastInstance.class);
      long deadline = System.currentTimeMillis() + 30_000;
      while ((survivor.getCluster().getMembers().size() > 2 || !survivor.getPartitionService().isClusterSafe())
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      for (int backups = 0; backups < 2; backups++) {
        TierCache<Object, Object> cache = instances.manager(0).getCache("backups-" + backups).unwrap(TierCache.class);
        lost[backups] = keys.size() - cache.getAll(new HashSet<>(keys)).size();
      }
    }
    return new Story("an instance dies: 3,000 entries on three instances", "entries lost", "1 backup (the default)",
        lost[0], lost[1], "entries");
  }

  // ------------------------------------------------------------------ helpers

  @SuppressWarnings("unchecked")
  private static List<TierCache<String, String>> open(Instances instances, String name,
      java.util.function.Consumer<TierCacheConfiguration<String, String>> settings) {
    List<TierCache<String, String>> caches = new ArrayList<>();
    for (int i = 0; i < instances.size(); i++) {
      TierCacheConfiguration<String, String> config = new TierCacheConfiguration<>();
      config.setTypes(String.class, String.class);
      settings.accept(config);
      caches.add(instances.manager(i).createCache(name, config).unwrap(TierCache.class));
    }
    return caches;
  }

  /** Measures a story twice: without its feature ({@code false}), then with it. */
  private static double[] bothWays(Variant variant) throws Exception {
    return new double[] {variant.measure(false), variant.measure(true)};
  }

  /** One run of a story. */
  @FunctionalInterface
  private interface Variant {
    double measure(boolean withFeature) throws Exception;
  }

  private static double seconds(Workload.Latencies latencies) {
    return latencies.elapsedNanos() / 1e9;
  }

  private static double micros(long nanos) {
    return nanos / 1_000.0;
  }

  /** A progress bar on standard error: one tick per step. */
  static final class Progress {
    private final boolean shown;
    private final int steps;
    private int done;

    Progress(boolean shown, int steps) {
      this.shown = shown;
      this.steps = steps;
    }

    void step(String what) {
      if (shown) {
        int width = 30;
        int filled = Math.min(width, done * width / steps);
        System.err.printf("\r[%s%s] %2d/%d %-48s", "#".repeat(filled), ".".repeat(width - filled), done + 1, steps,
            what);
      }
      done++;
    }

    void done() {
      if (shown) {
        System.err.printf("\r[%s] done%60s%n", "#".repeat(30), "");
      }
    }
  }
}
