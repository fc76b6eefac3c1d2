package dev.tiercache.nearcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import dev.tiercache.TestCluster;
import dev.tiercache.TierCache;
import dev.tiercache.TierCacheConfiguration;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The near cache's coherence promises, checked against the history of a randomized run: three members in
 * this JVM, writers (put, getAndPut, replace, remove, invoke) and readers (get, getAll) on every member,
 * over a small set of hot keys, at least 200,000 operations. Every read is recorded with the start time of its member's latest
 * completed write of that key, and checked afterwards:
 * <ul>
 *   <li>no value is ever returned that no successful write wrote;
 *   <li>read-your-writes: no read on a member returns a value whose write had completed before that
 *       member's own latest write of the key began (that value was already overwritten by it);
 *   <li>after the writers stop and one repair interval passes, no near cache entry on any member
 *       differs from L2.
 * </ul>
 * A probe key, written on one member and polled on the others, measures how long other members keep
 * returning an old value (p50, p99, max). The same run is repeated while a share of invalidation
 * messages is dropped, and while a member joins and another leaves.
 */
class NearCacheCoherenceTest {

  private static final int KEYS = 16;
  private static final long REPAIR_INTERVAL_MILLIS = 1_000;
  private static final long MIN_OPERATIONS = 200_000;
  private static final long MIN_WRITES = 15_000;

  @TempDir
  Path dir;

  private final List<CacheManager> managers = new CopyOnWriteArrayList<>();

  @AfterEach
  void stopMembersAndFaults() {
    NearCache.dropInvalidations(0);
    for (CacheManager manager : managers) {
      manager.close();
    }
  }

  @Test
  void readersAndWritersOnThreeMembersStayCoherent() throws Exception {
    Outcome outcome = run(false);
    assertEquals(0, outcome.dropped);
  }

  @Test
  void invalidationsLostInTransitAreRepaired() throws Exception {
    NearCache.dropInvalidations(0.3);
    Outcome outcome = run(false);
    assertTrue(outcome.dropped > 0, "the fault injector dropped messages");
    assertTrue(outcome.repaired > 0, "the repair found and dropped the entries those messages should have dropped");
  }

  @Test
  void aMemberJoiningAndOneLeavingMidRunLeaveNothingStale() throws Exception {
    run(true, false);
  }

  /** As above, but the member that goes is killed: its partitions' backups are promoted mid-run. */
  @Test
  void aMemberJoiningAndOneCrashingMidRunLeaveNothingStale() throws Exception {
    run(true, true);
  }

  private Outcome run(boolean churn) throws Exception {
    return run(churn, false);
  }

  private Outcome run(boolean churn, boolean crash) throws Exception {
    List<URI> uris = TestCluster.configure(dir, 4);
    History history = new History();
    List<Member> members = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 3; i++) {
      members.add(startMember(i, uris.get(i), history));
    }
    Probe probe = new Probe(members.get(0).cache);
    probe.start(members.subList(1, 3));
    long startedAt = System.nanoTime();
    boolean joined = false;
    boolean left = false;
    while (history.operations.get() < MIN_OPERATIONS || history.writes.get() < MIN_WRITES) {
      assertTrue(System.nanoTime() - startedAt < TimeUnit.SECONDS.toNanos(150),
          "the run made " + history.operations + " operations, " + history.writes + " writes in 150 s");
      Thread.sleep(50);
      if (churn && !joined && history.writes.get() > MIN_WRITES / 3) {
        members.add(startMember(3, uris.get(3), history));
        joined = true;
      }
      if (churn && joined && !left && history.writes.get() > 2 * MIN_WRITES / 3) {
        Member leaving = members.remove(1);
        leaving.stop();
        HazelcastInstance instance = leaving.cache.unwrap(HazelcastInstance.class);
        if (crash) {
          instance.getLifecycleService().terminate(); // no goodbye: the others promote its backups
          managers.remove(leaving.manager);
        } else {
          leaving.manager.close();
          managers.remove(leaving.manager);
          instance.shutdown(); // leave now, not after the idle wait of a closed manager's member
        }
        left = true;
      }
    }
    probe.stop();
    for (Member member : members) {
      member.stop();
    }
    Thread.sleep(REPAIR_INTERVAL_MILLIS);

    List<String> stale = new ArrayList<>();
    long repaired = 0;
    long dropped = 0;
    long nearHits = 0;
    for (Member member : members) {
      stale.addAll(L2.differences(member.cache));
      TierCache<?, ?> cache = member.cache.unwrap(TierCache.class);
      NearCache nearCache = cache.nearCache().orElseThrow();
      repaired += nearCache.repaired();
      dropped += nearCache.droppedInvalidations();
      nearHits += cache.statistics().getL1Hits();
    }
    List<String> violations = history.violations();
    System.out.printf("near cache coherence%s%s: %,d operations (%,d writes, %,d reads, %,d L1 hits); "
            + "invalidations dropped %,d, entries repaired %,d; other members saw a change after "
            + "p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d samples); violations %d, stale after quiescence %d%n",
        churn ? crash ? " with a member joining and one crashing" : " with a member joining and one leaving" : "", dropped > 0 ? " with dropped invalidations" : "",
        history.operations.get(), history.writes.get(), history.reads.size(), nearHits, dropped, repaired,
        probe.percentile(50), probe.percentile(99), probe.percentile(100), probe.samples(),
        violations.size(), stale.size());
    assertEquals(List.of(), violations.subList(0, Math.min(10, violations.size())), "read history violations");
    assertEquals(List.of(), stale, "near cache entries differing from L2 one repair interval after the writes stopped");
    assertTrue(probe.samples() > 50, "the probe measured staleness");
    assertTrue(probe.percentile(100) <= 2 * REPAIR_INTERVAL_MILLIS,
        "other members stopped returning an old value within the repair bound: max " + probe.percentile(100) + " ms");
    return new Outcome(dropped, repaired);
  }

  private Member startMember(int index, URI uri, History history) {
    CacheManager manager = Caching.getCachingProvider().getCacheManager(uri, null);
    managers.add(manager);
    TierCacheConfiguration<String, String> config = new TierCacheConfiguration<>();
    config.setTypes(String.class, String.class).setStatisticsEnabled(true);
    Cache<String, String> cache = manager.getCache("hot", String.class, String.class);
    if (cache == null) {
      cache = manager.createCache("hot", config);
    }
    Member member = new Member(index, manager, cache);
    for (int t = 0; t < 2; t++) {
      member.threads.add(new Thread(() -> member.write(history), "writer-" + index + "-" + t));
      member.threads.add(new Thread(() -> member.read(history), "reader-" + index + "-" + t));
    }
    member.threads.forEach(Thread::start);
    return member;
  }

  private record Outcome(long dropped, long repaired) {}

  /** What every thread did, for the checks after the run. */
  private static final class History {
    final AtomicLong operations = new AtomicLong();
    final AtomicLong writes = new AtomicLong();
    /** Value → when the write that stored it returned (nanoTime); only writes that took effect. */
    final Map<String, Long> written = new ConcurrentHashMap<>();
    /** Key → when each remove that removed something returned. */
    final Map<Integer, Queue<Long>> removed = new ConcurrentHashMap<>();
    final Queue<Read> reads = new ConcurrentLinkedQueue<>();

    List<String> violations() {
      List<String> violations = new ArrayList<>();
      for (Read read : reads) {
        if (read.value != null) {
          Long end = written.get(read.value);
          if (end == null) {
            violations.add("member " + read.member + " read " + read.value + " of key " + read.key
                + ", which no write stored");
          } else if (read.ownWriteStart != 0 && end < read.ownWriteStart) {
            violations.add("member " + read.member + " read " + read.value + " of key " + read.key
                + ", overwritten by its own earlier write");
          }
        } else if (read.ownWriteStart != 0 && removed.getOrDefault(read.key, new ConcurrentLinkedQueue<>())
            .stream().noneMatch(end -> end >= read.ownWriteStart)) {
          violations.add("member " + read.member + " read nothing for key " + read.key
              + " after its own write, and no remove could explain it");
        }
      }
      return violations;
    }
  }

  private record Read(int member, int key, long ownWriteStart, String value) {}

  /** One member, its cache, and the threads working on it. */
  private static final class Member {
    final int index;
    final CacheManager manager;
    final Cache<String, String> cache;
    /** Per key: start (nanoTime) of this member's latest write that had completed. */
    final AtomicLongArray ownWriteStart = new AtomicLongArray(KEYS);
    final List<Thread> threads = new ArrayList<>();
    volatile boolean stopping;

    Member(int index, CacheManager manager, Cache<String, String> cache) {
      this.index = index;
      this.manager = manager;
      this.cache = cache;
    }

    void write(History history) {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      String prefix = Thread.currentThread().getName() + "-";
      long sequence = 0;
      while (!stopping) {
        int key = random.nextInt(KEYS);
        String k = "k" + key;
        String value = prefix + sequence++;
        long start = System.nanoTime();
        boolean applied;
        boolean removal = false;
        switch (random.nextInt(4)) {
          case 0 -> {
            if (random.nextBoolean()) {
              cache.put(k, value);
            } else {
              cache.getAndPut(k, value);
            }
            applied = true;
          }
          case 1 -> applied = cache.replace(k, value);
          case 2 -> {
            applied = cache.remove(k);
            removal = true;
          }
          default -> {
            cache.invoke(k, (entry, arguments) -> {
              entry.setValue((String) arguments[0]);
              return null;
            }, value);
            applied = true;
          }
        }
        long end = System.nanoTime();
        if (applied) {
          if (removal) {
            history.removed.computeIfAbsent(key, x -> new ConcurrentLinkedQueue<>()).add(end);
          } else {
            history.written.put(value, end);
          }
          ownWriteStart.accumulateAndGet(key, start, Math::max);
        }
        history.writes.incrementAndGet();
        history.operations.incrementAndGet();
      }
    }

    void read(History history) {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      while (!stopping) {
        int key = random.nextInt(KEYS);
        long ownStart = ownWriteStart.get(key);
        if (random.nextInt(4) == 0) { // a getAll of two keys: each key is a read of its own
          int other = (key + 1 + random.nextInt(KEYS - 1)) % KEYS;
          long otherOwnStart = ownWriteStart.get(other);
          Map<String, String> values = cache.getAll(java.util.Set.of("k" + key, "k" + other));
          history.reads.add(new Read(index, key, ownStart, values.get("k" + key)));
          history.reads.add(new Read(index, other, otherOwnStart, values.get("k" + other)));
        } else {
          history.reads.add(new Read(index, key, ownStart, cache.get("k" + key)));
        }
        history.operations.incrementAndGet();
        LockSupport.parkNanos(50_000);
      }
    }

    void stop() throws InterruptedException {
      stopping = true;
      for (Thread thread : threads) {
        thread.join(30_000);
      }
    }
  }

  /**
   * Measures staleness on other members: one member writes an increasing number to a probe key every
   * few milliseconds; threads on the other members poll it. For each write and each other member, the
   * delay is from the write's return to the first read there that saw it (or a later one).
   */
  private static final class Probe {
    private final Cache<String, String> writerCache;
    private final List<Long> writeEnds = new CopyOnWriteArrayList<>();
    private final List<Long> delaysMicros = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;

    Probe(Cache<String, String> writerCache) {
      this.writerCache = writerCache;
    }

    void start(List<Member> readers) {
      threads.add(new Thread(() -> {
        for (int n = 0; !stopping; n++) {
          writerCache.put("probe", Integer.toString(n));
          writeEnds.add(System.nanoTime());
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
      }, "probe-writer"));
      for (Member member : readers) {
        Cache<String, String> cache = member.cache;
        threads.add(new Thread(() -> {
          int seen = -1;
          while (!stopping && !cache.isClosed()) {
            long readStart = System.nanoTime();
            String value;
            try {
              value = cache.get("probe");
            } catch (IllegalStateException e) {
              break; // this member left the cluster (the churn run): its cache is closed
            }
            int n = value == null ? -1 : Integer.parseInt(value);
            for (int v = seen + 1; v <= n && v < writeEnds.size(); v++) {
              delaysMicros.add(Math.max(0, (readStart - writeEnds.get(v)) / 1_000));
            }
            seen = Math.max(seen, Math.min(n, writeEnds.size() - 1));
            LockSupport.parkNanos(100_000);
          }
        }, "probe-reader-" + member.index));
      }
      threads.forEach(Thread::start);
    }

    void stop() throws InterruptedException {
      stopping = true;
      for (Thread thread : threads) {
        thread.join(30_000);
      }
    }

    int samples() {
      return delaysMicros.size();
    }

    double percentile(int p) {
      long[] sorted = delaysMicros.stream().mapToLong(Long::longValue).sorted().toArray();
      if (sorted.length == 0) {
        return 0;
      }
      int index = Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1);
      return sorted[Math.max(0, index)] / 1_000.0;
    }
  }
}
