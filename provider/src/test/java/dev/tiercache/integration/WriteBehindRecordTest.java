package dev.tiercache.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import dev.tiercache.Postgres;
import dev.tiercache.TestCluster;
import dev.tiercache.TierCache;
import dev.tiercache.TierCacheConfiguration;
import dev.tiercache.config.WriteBehindSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import javax.cache.Cache;
import javax.cache.CacheManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-operation write-behind put keeps its change in the cache's own record (unwritten until the
 * flusher has written it), not in the pending map. These tests check what that design has to get
 * right beyond the plain path ({@link WriteBehindTest}): a promoted backup writes the records its dead
 * owner held; a put after a change in the pending map follows it; {@code clear()} and eviction never
 * drop an unwritten record. All against PostgreSQL.
 */
class WriteBehindRecordTest {

  private static final String TABLE = "tiercache_write_behind_record_test";

  @TempDir
  Path dir;

  @AfterEach
  void restoreTable() throws Exception {
    Postgres.execute("ALTER TABLE IF EXISTS " + TABLE + "_away RENAME TO " + TABLE);
  }

  private static List<Cache<String, String>> open(TestCluster cluster, int members, WriteBehindSettings settings) {
    List<Cache<String, String>> caches = new ArrayList<>();
    for (int i = 0; i < members; i++) {
      TierCacheConfiguration<String, String> config = new TierCacheConfiguration<String, String>()
          .setWriteBehind(settings);
      config.setTypes(String.class, String.class).setWriteThrough(true).setCacheWriterFactory(JdbcCacheStore.factory(
          new JdbcCacheStore.Settings(Postgres.URL, TABLE, "k", "v", String.class, String.class)));
      CacheManager manager = cluster.manager(i);
      caches.add(manager.createCache("records", config));
    }
    return caches;
  }

  private static WriteBehind<String, String> writeBehind(Cache<String, String> cache) {
    @SuppressWarnings("unchecked")
    TierCache<String, String> tiercache = cache.unwrap(TierCache.class);
    return tiercache.writeBehind().orElseThrow();
  }

  private static long pendingMapSize(Cache<String, String> cache) {
    HazelcastInstance hazelcast = cache.getCacheManager().unwrap(HazelcastInstance.class);
    return hazelcast.getMap(writeBehind(cache).pendingMapName()).size();
  }

  private static int entries(Cache<String, String> cache) {
    int n = 0;
    for (Cache.Entry<String, String> ignored : cache) {
      n++;
    }
    return n;
  }

  private static void await(String what, long millis, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      Thread.sleep(50);
    }
  }

  private static Map<String, String> rows() {
    try {
      return Postgres.rows(TABLE);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theRecordIsTheQueueAndAPromotedBackupWritesWhatItsDeadOwnerHeld() throws Exception {
    Postgres.recreate(TABLE);
    try (TestCluster cluster = TestCluster.start(dir, 3)) {
      List<Cache<String, String>> caches = open(cluster, 3, WriteBehindSettings.DEFAULTS.withDelayMillis(5_000));
      Cache<String, String> cache = caches.get(0);
      for (int i = 0; i < 600; i++) {
        cache.put("k" + i, "v" + i);
      }
      assertEquals(0, pendingMapSize(cache), "plain puts keep their change in the record, not the pending map");
      await("all 600 changes counted in the backlog", 5_000, () -> writeBehind(cache).getBacklog() == 600);
      assertEquals(0, rows().size(), "nothing is due yet");

      cluster.manager(2).unwrap(HazelcastInstance.class).getLifecycleService().terminate();

      await("600 rows", 60_000, () -> rows().size() == 600);
      Map<String, String> rows = rows();
      for (int i = 0; i < 600; i++) {
        assertEquals("v" + i, rows.get("k" + i), "row k" + i);
      }
      await("the backlog to empty", 10_000, () -> writeBehind(cache).getBacklog() == 0);
    }
  }

  @Test
  void aWrittenRecordIsMarkedWrittenOnItsBackupToo() throws Exception {
    Postgres.recreate(TABLE);
    try (TestCluster cluster = TestCluster.start(dir, 2)) {
      List<Cache<String, String>> caches = open(cluster, 2, WriteBehindSettings.DEFAULTS.withDelayMillis(600_000));
      for (int i = 0; i < 500; i++) {
        caches.get(0).put("k" + i, "v" + i);
      }
      assertTrue(writeBehind(caches.get(0)).flush() && writeBehind(caches.get(1)).flush(), "both members wrote theirs");
      assertEquals(500, rows().size());
      assertEquals(0, writeBehind(caches.get(0)).getBacklog());

      // The survivor's backups become its records: had the mark been cleared on the owners only, the
      // records the dead member owned would come back unwritten (and be written again).
      HazelcastInstance survivor = cluster.manager(0).unwrap(HazelcastInstance.class);
      cluster.manager(1).unwrap(HazelcastInstance.class).getLifecycleService().terminate();
      await("the survivor owns every partition", 30_000, () -> survivor.getPartitionService().getPartitions().stream()
          .allMatch(p -> p.getOwner() != null && p.getOwner().localMember()));
      assertEquals(500, entries(caches.get(0)), "no record lost");
      assertEquals(0, writeBehind(caches.get(0)).getBacklog(), "no record came back unwritten");
    }
  }

  @Test
  void aMemberThatGainsPartitionsByMigrationWritesTheirUnwrittenRecords() throws Exception {
    Postgres.recreate(TABLE);
    List<java.net.URI> uris = TestCluster.configure(dir, 3);
    try (TestCluster first = TestCluster.start(uris.subList(0, 2))) {
      List<Cache<String, String>> caches = open(first, 2, WriteBehindSettings.DEFAULTS.withDelayMillis(10_000));
      for (int i = 0; i < 1_000; i++) {
        caches.get(0).put("k" + i, "v" + i);
      }
      try (TestCluster third = TestCluster.start(uris.subList(2, 3))) {
        Cache<String, String> joined = open(third, 1, WriteBehindSettings.DEFAULTS.withDelayMillis(10_000)).get(0);
        HazelcastInstance hazelcast = third.manager(0).unwrap(HazelcastInstance.class);
        await("partitions migrated to the new member", 30_000, () -> hazelcast.getPartitionService().isClusterSafe()
            && hazelcast.getPartitionService().getPartitions().stream()
                .anyMatch(p -> p.getOwner() != null && p.getOwner().localMember()));
        await("1000 rows", 60_000, () -> rows().size() == 1_000);
        Map<String, String> rows = rows();
        for (int i = 0; i < 1_000; i++) {
          assertEquals("v" + i, rows.get("k" + i), "row k" + i);
        }
        assertTrue(writeBehind(joined).getWritten() > 0,
            "the new member wrote the unwritten records of the partitions it gained: " + writeBehind(joined).getWritten());
      }
    }
  }

  @Test
  void aPutAfterAChangeInThePendingMapFollowsIt() throws Exception {
    Postgres.recreate(TABLE);
    List<String> seed = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      seed.add("INSERT INTO " + TABLE + " VALUES ('k" + i + "', 'old')");
    }
    Postgres.execute(seed.toArray(String[]::new));
    try (TestCluster cluster = TestCluster.start(dir, 2)) {
      List<Cache<String, String>> caches = open(cluster, 2, WriteBehindSettings.DEFAULTS.withDelayMillis(300));
      Cache<String, String> cache = caches.get(0);
      for (int i = 0; i < 100; i++) {
        String key = "k" + i;
        cache.put(key, "a");      // unwritten record
        cache.remove(key);        // pending delete, newer
        cache.put(key, "b");      // must follow the delete in the pending map
        if (i % 2 == 1) {
          cache.remove(key);      // and a delete after that
        }
      }
      await("the backlog to empty", 30_000, () -> writeBehind(cache).getBacklog() == 0);
      Map<String, String> rows = rows();
      for (int i = 0; i < 100; i++) {
        if (i % 2 == 0) {
          assertEquals("b", rows.get("k" + i), "row k" + i);
        } else {
          assertNull(rows.get("k" + i), "row k" + i + " was deleted last");
        }
      }
      // With the pending map empty again, a put is one operation again.
      cache.put("k0", "c");
      assertEquals(0, pendingMapSize(cache));
      await("k0 = c", 30_000, () -> "c".equals(rows().get("k0")));
    }
  }

  @Test
  void mixedOperationsWhileFlushingEndWithTheLastOfEachKeyInPostgres() throws Exception {
    Postgres.recreate(TABLE);
    try (TestCluster cluster = TestCluster.start(dir, 2)) {
      // A short delay, so that flushes (and their marking of written records) run between the operations.
      List<Cache<String, String>> caches = open(cluster, 2, WriteBehindSettings.DEFAULTS.withDelayMillis(20));
      int threads = 4;
      int keysPerThread = 25;
      Map<String, String> expected = new java.util.concurrent.ConcurrentHashMap<>();
      List<Thread> writers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int writer = t;
        Cache<String, String> cache = caches.get(t % 2);
        writers.add(new Thread(() -> {
          java.util.Random random = new java.util.Random(writer);
          for (int n = 0; n < 2_500; n++) {
            // Each key has one writer, so its last acknowledged change is well defined.
            String key = "k" + writer + "-" + random.nextInt(keysPerThread);
            String value = "w" + writer + "-" + n;
            switch (random.nextInt(6)) {
              case 0 -> {
                cache.remove(key);
                expected.put(key, "");
              }
              case 1 -> {
                cache.getAndPut(key, value);
                expected.put(key, value);
              }
              case 2 -> {
                if (cache.replace(key, value)) {
                  expected.put(key, value);
                }
              }
              default -> { // plain puts, the one-operation path, most of the time
                cache.put(key, value);
                expected.put(key, value);
              }
            }
          }
        }));
      }
      writers.forEach(Thread::start);
      for (Thread writer : writers) {
        writer.join();
      }
      await("the backlog to empty", 60_000, () -> writeBehind(caches.get(0)).getBacklog() == 0);
      Map<String, String> rows = rows();
      int wrong = 0;
      for (Map.Entry<String, String> e : expected.entrySet()) {
        String want = e.getValue().isEmpty() ? null : e.getValue();
        if (!java.util.Objects.equals(want, rows.get(e.getKey()))) {
          wrong++;
        }
        assertEquals(want, caches.get(1).get(e.getKey()), "the cache agrees, key " + e.getKey());
      }
      assertEquals(0, wrong, "rows that do not hold the last acknowledged change of their key (of "
          + expected.size() + ")");
    }
  }

  @Test
  void clearDropsEntriesButNotTheirUnwrittenChanges() throws Exception {
    Postgres.recreate(TABLE);
    try (TestCluster cluster = TestCluster.start(dir, 2)) {
      List<Cache<String, String>> caches = open(cluster, 2, WriteBehindSettings.DEFAULTS.withDelayMillis(60_000));
      Cache<String, String> cache = caches.get(0);
      for (int i = 0; i < 300; i++) {
        cache.put("k" + i, "v" + i);
      }
      cache.clear();
      assertEquals(0, entries(cache));
      assertNull(cache.get("k1"));
      for (Cache<String, String> each : caches) {
        assertTrue(writeBehind(each).flush());
      }
      Map<String, String> rows = rows();
      assertEquals(300, rows.size());
      for (int i = 0; i < 300; i++) {
        assertEquals("v" + i, rows.get("k" + i), "row k" + i);
      }
    }
  }

  @Test
  void evictionKeepsTheMapNearItsBoundButNeverDropsAnUnwrittenRecord() throws Exception {
    Postgres.recreate(TABLE);
    try (TestCluster cluster = TestCluster.start(TestCluster.configure(dir, 2, "max-entries: 100"))) {
      List<Cache<String, String>> caches = open(cluster, 2, WriteBehindSettings.DEFAULTS.withDelayMillis(100));
      Cache<String, String> cache = caches.get(0);
      caches.forEach(each -> each.unwrap(TierCache.class).statistics().setEnabled(true));
      Postgres.execute("ALTER TABLE " + TABLE + " RENAME TO " + TABLE + "_away"); // the database goes away
      for (int i = 0; i < 500; i++) {
        cache.put("k" + i, "v" + i);
      }
      Thread.sleep(3_000); // three looks of the evictor, with every record unwritten
      assertEquals(500, entries(cache), "no unwritten record is evicted, whatever the bound");

      Postgres.execute("ALTER TABLE " + TABLE + "_away RENAME TO " + TABLE); // and comes back
      await("500 rows", 60_000, () -> rows().size() == 500);
      Map<String, String> rows = rows();
      for (int i = 0; i < 500; i++) {
        assertEquals("v" + i, rows.get("k" + i), "row k" + i);
      }
      await("the map back within 2 x 100 entries", 30_000, () -> entries(cache) <= 200);
      assertTrue(entries(cache) > 0, "eviction removes a share, not everything");
      assertTrue(writeBehind(cache).getEvicted() >= 300, "the oldest member evicted: " + writeBehind(cache).getEvicted());
      // The count is added once the eviction returns: wait for it, then it must be exact.
      await("the evictions counted", 5_000, () -> writeBehind(cache).getEvicted() == 500 - entries(cache));
      long gone = 500 - entries(cache);
      assertEquals(gone, writeBehind(cache).getEvicted(), "every record gone was evicted, and counted once");
      assertEquals(gone, caches.get(0).unwrap(TierCache.class).statistics().getCacheEvictions(),
          "the cache's statistics count the evictions, on the member that ran them (the oldest)");
      assertEquals(0, caches.get(1).unwrap(TierCache.class).statistics().getCacheEvictions());
    }
  }
}
