package dev.tiercache.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import dev.tiercache.Postgres;
import dev.tiercache.TestCluster;
import dev.tiercache.TierCache;
import dev.tiercache.TierCacheConfiguration;
import dev.tiercache.config.WriteBehindSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a member that runs in a separate JVM and owns a share of the partitions (and so of the
 * changes waiting to be written). In the middle of a write-behind run of 50,000 acknowledged writes,
 * PostgreSQL must afterwards hold the last acknowledged value of every key, checked row by row; and
 * after a quiet run, the backups it leaves must bring back nothing it had already written.
 */
class WriteBehindCrashTest {

  static final String CACHE = "crash";
  static final String TABLE = "tiercache_crash_test";
  static final int WRITES = 50_000;
  static final int KEYS = 5_000;

  static TierCacheConfiguration<String, String> configuration() {
    TierCacheConfiguration<String, String> config = new TierCacheConfiguration<String, String>()
        .setWriteBehind(WriteBehindSettings.DEFAULTS.withDelayMillis(200).withBatchSize(500));
    config.setTypes(String.class, String.class)
        .setWriteThrough(true)
        .setCacheWriterFactory(JdbcCacheStore.factory(
            new JdbcCacheStore.Settings(Postgres.URL, TABLE, "k", "v", String.class, String.class)));
    return config;
  }

  @TempDir
  Path dir;

  @Test
  void killDashNineOfAMemberMidRunLosesNoAcknowledgedWrite() throws Exception {
    Postgres.recreate(TABLE);
    List<URI> uris = TestCluster.configure(dir, 3);
    Process child = startMemberProcess(uris.get(2));
    try (TestCluster cluster = TestCluster.start(uris.subList(0, 2))) {
      HazelcastInstance hz = cluster.manager(0).unwrap(HazelcastInstance.class);
      awaitMembers(hz, 3, "the child process joined the cluster");
      List<Cache<String, String>> caches = List.of(
          cluster.manager(0).createCache(CACHE, configuration()),
          cluster.manager(1).createCache(CACHE, configuration()));

      Map<String, String> acknowledged = new ConcurrentHashMap<>();
      AtomicInteger done = new AtomicInteger();
      CountDownLatch halfway = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int writer = t;
        Cache<String, String> cache = caches.get(t);
        writers.add(pool.submit(() -> {
          // Each writer owns half the keys, so "the last acknowledged value" of a key is well defined.
          for (int n = 0; n < WRITES / 2; n++) {
            String key = "k" + ((n * 2 + writer) % KEYS);
            String value = "w" + writer + "-" + n;
            cache.put(key, value);
            acknowledged.put(key, value);
            if (done.incrementAndGet() == WRITES / 2) {
              halfway.countDown();
            }
          }
          return null;
        }));
      }
      assertTrue(halfway.await(120, TimeUnit.SECONDS));
      Member victim = childMember(hz);
      long ownedByVictim = acknowledged.keySet().stream()
          .filter(k -> victim.equals(hz.getPartitionService().getPartition(k).getOwner())).count();
      WriteBehind<String, String> wb = writeBehindOf(caches.get(0));
      long backlogAtKill = wb.getBacklog();
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no graceful hand-over
      child.waitFor(30, TimeUnit.SECONDS);
      for (Future<?> w : writers) {
        w.get(300, TimeUnit.SECONDS);
      }
      pool.shutdown();
      System.out.printf("killed the child member after %d acknowledged writes; it owned %d of %d keys;"
          + " %d changes were pending cluster-wide%n", WRITES / 2, ownedByVictim, acknowledged.size(), backlogAtKill);

      long deadline = System.currentTimeMillis() + 120_000;
      while (wb.getBacklog() > 0 && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertEquals(0, wb.getBacklog(), "the survivors wrote everything that was pending");
      Map<String, String> rows = Postgres.rows(TABLE);
      int wrong = 0;
      for (Map.Entry<String, String> e : acknowledged.entrySet()) {
        if (!e.getValue().equals(rows.get(e.getKey()))) {
          wrong++;
        }
      }
      System.out.printf("PostgreSQL holds %d rows; %d of %d keys differ from their last acknowledged value%n",
          rows.size(), wrong, acknowledged.size());
      assertEquals(KEYS, acknowledged.size());
      assertEquals(0, wrong, "every key's row holds its last acknowledged value");
      assertEquals(KEYS, rows.size());
      cluster.manager(0).destroyCache(CACHE);
    } finally {
      child.destroyForcibly();
    }
  }

  /**
   * A pending change is removed from every replica once written, also when its primary and backup are in
   * different JVMs (each JVM has its own clock for stamping changes): a removed delete left on a backup
   * would come back when the backup is promoted and delete rows written since.
   */
  @Test
  void aPromotedBackupBringsBackNoChangeItsOwnerHadWritten() throws Exception {
    Postgres.recreate(TABLE);
    List<URI> uris = TestCluster.configure(dir, 2);
    Process child = startMemberProcess(uris.get(1));
    try (TestCluster cluster = TestCluster.start(uris.subList(0, 1))) {
      HazelcastInstance hz = cluster.manager(0).unwrap(HazelcastInstance.class);
      awaitMembers(hz, 2, "the child process joined the cluster");
      Cache<String, String> cache = cluster.manager(0).createCache(CACHE, configuration());
      WriteBehind<String, String> wb = writeBehindOf(cache);
      int keys = 1_000;
      for (int i = 0; i < keys; i++) {
        cache.put("k" + i, "first-" + i);
      }
      awaitEmpty(wb);
      for (int i = 0; i < keys; i++) {
        cache.remove("k" + i); // a delete goes through the pending map, stamped on the key's owner
      }
      awaitEmpty(wb);
      for (int i = 0; i < keys; i++) {
        cache.put("k" + i, "last-" + i);
      }
      awaitEmpty(wb);
      assertEquals(keys, Postgres.rows(TABLE).size());

      child.destroyForcibly(); // its backups here are promoted
      child.waitFor(30, TimeUnit.SECONDS);
      awaitMembers(hz, 1, "the child process left the cluster");
      Thread.sleep(2_000); // ten flush delays: a stale delete would have been written by now
      awaitEmpty(wb);
      Map<String, String> rows = Postgres.rows(TABLE);
      int wrong = 0;
      for (int i = 0; i < keys; i++) {
        if (!("last-" + i).equals(rows.get("k" + i))) {
          wrong++;
        }
      }
      assertEquals(0, wrong, "rows deleted or changed by a change written before the crash, of " + keys);
      cluster.manager(0).destroyCache(CACHE);
    } finally {
      child.destroyForcibly();
    }
  }

  private static void awaitMembers(HazelcastInstance hz, int count, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (hz.getCluster().getMembers().size() != count && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(count, hz.getCluster().getMembers().size(), what);
  }

  private static void awaitEmpty(WriteBehind<String, String> wb) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (wb.getBacklog() > 0) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("the backlog did not empty: " + wb.getBacklog());
      }
      Thread.sleep(50);
    }
  }

  @SuppressWarnings("unchecked")
  private static WriteBehind<String, String> writeBehindOf(Cache<String, String> cache) {
    TierCache<String, String> tiercache = cache.unwrap(TierCache.class);
    return tiercache.writeBehind().orElseThrow();
  }

  private static Member childMember(HazelcastInstance hz) {
    for (Member m : hz.getCluster().getMembers()) {
      if (!runsInThisJvm(m)) {
        return m;
      }
    }
    throw new AssertionError("no member from the child process");
  }

  private static boolean runsInThisJvm(Member member) {
    for (HazelcastInstance local : com.hazelcast.core.Hazelcast.getAllHazelcastInstances()) {
      if (local.getCluster().getLocalMember().getUuid().equals(member.getUuid())) {
        return true;
      }
    }
    return false;
  }

  private static Process startMemberProcess(URI config) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx512m", "-Djava.net.preferIPv4Stack=true",
        "-Dhazelcast.logging.type=none", "-Dtiercache.test.jdbc-url=" + Postgres.URL,
        "-cp", System.getProperty("java.class.path"),
        WriteBehindMember.class.getName(), config.toString());
    builder.redirectErrorStream(true);
    Process process = builder.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.currentTimeMillis() + 90_000;
    String line;
    while ((line = out.readLine()) != null) {
      if (line.contains("READY")) {
        Thread drainer = new Thread(() -> out.lines().forEach(l -> { }), "child-member-output");
        drainer.setDaemon(true);
        drainer.start();
        return process;
      }
      if (System.currentTimeMillis() > deadline) {
        break;
      }
    }
    process.destroyForcibly();
    throw new AssertionError("the child member did not start");
  }
}
