package dev.tiercache.benchmarks;

import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.NearCacheConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.tiercache.TierCache;
import dev.tiercache.TierCacheConfiguration;
import dev.tiercache.config.NearCacheSettings;
import dev.tiercache.nearcache.LostInvalidations;
import dev.tiercache.nearcache.NearCache;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.spi.CachingProvider;

/**
 * What a near cache costs a cluster that does nothing: two members in this JVM, one cache whose near
 * cache on the first member holds N entries, no reads, no writes; the process's CPU time over a
 * measured idle stretch, as a share of one core. Side by side: Hazelcast's own near cache holding the
 * same N entries on a plain two-member cluster, and the two members with nothing at all.
 *
 * <p>Not a JMH benchmark: JMH measures the time of operations, and here the measure is the CPU an idle
 * system burns, read from the JVM ({@code OperatingSystemMXBean.getProcessCpuTime}). For Tiercache the
 * repair's own threads ({@code tiercache-near-cache-repair…}) are also measured alone
 * ({@code ThreadMXBean.getThreadCpuTime}): the members' idle cost is the same with or without a near
 * cache, and hides what the repair adds. Run with
 * {@code java -Xmx8g -cp benchmarks/target/benchmarks.jar dev.tiercache.benchmarks.IdleRepairCost
 * [seconds] [sizes...]} (the command and the numbers are in docs/benchmarks.md).
 */
public final class IdleRepairCost {

  private static final int BATCH = 1_000;

  private IdleRepairCost() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("hazelcast.logging.type", "none");
    System.setProperty("java.net.preferIPv4Stack", "true");
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    List<Integer> sizes = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      sizes.add(Integer.parseInt(args[i]));
    }
    if (sizes.isEmpty()) {
      sizes = List.of(10_000, 100_000, 1_000_000);
    }
    System.out.printf(Locale.ROOT, "idle CPU of two members over %d s, share of one core%n", seconds);
    System.out.printf(Locale.ROOT, "%-34s %10s %12s %16s %18s%n", "what", "entries", "CPU (cores)",
        "repair threads", "entries verified");
    System.out.printf(Locale.ROOT, "%-34s %10d %12.4f %16s %18s%n", "two members, nothing in them", 0,
        emptyMembers(seconds), "-", "-");
    for (int n : sizes) {
      long[] verified = new long[1];
      double[] repairCores = new double[1];
      double tiercache = tiercache(n, seconds, verified, repairCores);
      System.out.printf(Locale.ROOT, "%-34s %10d %12.4f %16.5f %18d%n", "Tiercache near cache (L1)", n, tiercache,
          repairCores[0], verified[0]);
      System.out.printf(Locale.ROOT, "%-34s %10d %12.4f %16s %18s%n", "Hazelcast near cache", n,
          hazelcast(n, seconds), "-", "-");
    }
    System.exit(0);
  }

  /** Cores the process burns, on average, over {@code seconds} from now. */
  private static double cpuCores(int seconds) throws InterruptedException {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu = os.getProcessCpuTime();
    long wall = System.nanoTime();
    Thread.sleep(seconds * 1_000L);
    return (double) (os.getProcessCpuTime() - cpu) / (System.nanoTime() - wall);
  }

  /** CPU nanoseconds the near-cache repair's threads of this JVM have used so far. */
  private static long repairThreadsCpuNanos() {
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long nanos = 0;
    for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("tiercache-near-cache-repair")) {
        nanos += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      }
    }
    return nanos;
  }

  /** Lets start-up and filling settle (JIT, GC, migrations) before measuring. */
  private static double settledCpuCores(int seconds) throws InterruptedException {
    System.gc();
    Thread.sleep(5_000);
    return cpuCores(seconds);
  }

  private static double emptyMembers(int seconds) throws Exception {
    List<HazelcastInstance> members = hazelcastMembers(null, 0);
    try {
      return settledCpuCores(seconds);
    } finally {
      members.forEach(HazelcastInstance::shutdown);
    }
  }

  @SuppressWarnings("unchecked")
  private static double tiercache(int n, int seconds, long[] verified, double[] repairCores) throws Exception {
    CachingProvider provider = Caching.getCachingProvider("dev.tiercache.TierCachingProvider");
    List<URI> files = WriteBenchmark.twoMemberCluster("max-entries: " + 2 * n);
    CacheManager first = provider.getCacheManager(files.get(0), null);
    CacheManager second = provider.getCacheManager(files.get(1), null);
    try {
      TierCacheConfiguration<Integer, String> config = new TierCacheConfiguration<Integer, String>()
          .setNearCache(NearCacheSettings.DEFAULTS.withMaxEntries(n));
      config.setTypes(Integer.class, String.class);
      TierCache<Integer, String> cache = first.createCache("idle", config).unwrap(TierCache.class);
      javax.cache.Cache<Integer, String> other = second.createCache("idle", config);
      fill(n, cache::putAll, cache::getAll);
      NearCache nearCache = cache.nearCache().orElseThrow();
      if (nearCache.size() < n * 0.99) {
        throw new IllegalStateException("the near cache holds " + nearCache.size() + " of " + n);
      }
      long before = nearCache.repairVerified();
      System.gc();
      Thread.sleep(5_000);
      long repairBefore = repairThreadsCpuNanos();
      double cores = cpuCores(seconds);
      repairCores[0] = (repairThreadsCpuNanos() - repairBefore) / (seconds * 1e9);
      verified[0] = nearCache.repairVerified() - before;
      lostChange(nearCache, other, n);
      return cores;
    } finally {
      second.close();
      first.close();
      provider.close();
    }
  }

  /**
   * One change whose invalidation is lost, at {@code n} entries: how long the repair that finds it takes
   * (it verifies that partition's entries, after finding them by a pass over L1), and how many entries it
   * verifies. Retried if the scheduled repair finds the change before this one does.
   */
  private static void lostChange(NearCache nearCache, javax.cache.Cache<Integer, String> other, int n)
      throws InterruptedException {
    for (int attempt = 0; attempt < 5; attempt++) {
      long dropped = LostInvalidations.dropped(nearCache);
      LostInvalidations.drop(1.0);
      try {
        other.put(attempt, "changed " + attempt);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (LostInvalidations.dropped(nearCache) == dropped && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
      } finally {
        LostInvalidations.drop(0);
      }
      long verified = nearCache.repairVerified();
      long start = System.nanoTime();
      // The first repair after the change reads its number; the second finds it unheard and verifies.
      int found = nearCache.repairNow() + nearCache.repairNow();
      long micros = (System.nanoTime() - start) / 1_000;
      if (found == 1) {
        System.out.printf(Locale.ROOT, "%-34s %10d %12s %18d   (two repairs, %,d us)%n",
            "  one lost change: its partition", n, "-", nearCache.repairVerified() - verified, micros);
        return;
      }
    }
    System.out.printf(Locale.ROOT, "  one lost change at %d entries: the scheduled repair found it each time%n", n);
  }

  private static double hazelcast(int n, int seconds) throws Exception {
    List<HazelcastInstance> members = hazelcastMembers("near-*", n);
    try {
      IMap<Integer, String> map = members.get(0).getMap("near-idle");
      fill(n, map::putAll, map::getAll);
      long held = map.getLocalMapStats().getNearCacheStats().getOwnedEntryCount();
      if (held < n * 0.99) {
        throw new IllegalStateException("Hazelcast's near cache holds " + held + " of " + n);
      }
      return settledCpuCores(seconds);
    } finally {
      members.forEach(HazelcastInstance::shutdown);
    }
  }

  /** Writes {@code n} entries of ~100-character values, then reads every one on the first member. */
  private static void fill(int n, java.util.function.Consumer<Map<Integer, String>> putAll,
      java.util.function.Function<Set<Integer>, Map<Integer, String>> getAll) {
    for (int from = 0; from < n; from += BATCH) {
      Map<Integer, String> batch = new HashMap<>();
      for (int i = from; i < Math.min(n, from + BATCH); i++) {
        batch.put(i, String.format(Locale.ROOT, "value %06d ", i).repeat(8));
      }
      putAll.accept(batch);
    }
    for (int from = 0; from < n; from += BATCH) {
      Set<Integer> keys = new HashSet<>();
      for (int i = from; i < Math.min(n, from + BATCH); i++) {
        keys.add(i);
      }
      getAll.apply(keys);
    }
  }

  /** Two plain Hazelcast members on loopback; maps matching {@code nearCached} get a near cache of {@code n}. */
  private static List<HazelcastInstance> hazelcastMembers(String nearCached, int n) throws Exception {
    String cluster = "idle-bench-" + UUID.randomUUID();
    int[] ports = {freePort(), freePort()};
    List<HazelcastInstance> members = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Config config = NearCacheBenchmark.plainMember(cluster, ports[i], ports[1 - i]);
      if (nearCached != null) {
        // It holds the member's own entries too, as Tiercache's L1 does, so both hold all n.
        config.addMapConfig(new MapConfig(nearCached).setNearCacheConfig(new NearCacheConfig()
            .setCacheLocalEntries(true)
            .setEvictionConfig(new EvictionConfig().setEvictionPolicy(EvictionPolicy.LRU)
                .setMaxSizePolicy(MaxSizePolicy.ENTRY_COUNT).setSize(n))));
      }
      members.add(Hazelcast.newHazelcastInstance(config));
    }
    return members;
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
