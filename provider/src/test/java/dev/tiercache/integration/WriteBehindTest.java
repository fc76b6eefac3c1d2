package dev.tiercache.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tiercache.Postgres;
import dev.tiercache.TierCache;
import dev.tiercache.TierCacheConfiguration;
import dev.tiercache.config.WriteBehindSettings;
import dev.tiercache.management.MBeans;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.integration.CacheWriterException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Write-behind against the machine's PostgreSQL, on one member: what is acknowledged always arrives. */
class WriteBehindTest {

  static final String TABLE = "tiercache_write_behind_test";

  private final CacheManager manager = Caching.getCachingProvider().getCacheManager();

  @BeforeEach
  void setUp() throws Exception {
    Postgres.recreate(TABLE);
  }

  @AfterEach
  void tearDown() throws Exception {
    Postgres.execute("ALTER TABLE IF EXISTS " + TABLE + "_away RENAME TO " + TABLE);
    if (manager.getCache("wb") != null) {
      manager.destroyCache("wb");
    }
  }

  private Cache<String, String> cache(WriteBehindSettings settings, boolean readThrough) {
    TierCacheConfiguration<String, String> config = new TierCacheConfiguration<String, String>()
        .setWriteBehind(settings);
    config.setTypes(String.class, String.class)
        .setWriteThrough(true)
        .setCacheWriterFactory(JdbcCacheStore.factory(
            new JdbcCacheStore.Settings(Postgres.URL, TABLE, "k", "v", String.class, String.class)));
    if (readThrough) {
      config.setReadThrough(true).setCacheLoaderFactory(JdbcCacheStore.factory(
          new JdbcCacheStore.Settings(Postgres.URL, TABLE, "k", "v", String.class, String.class)));
    }
    return manager.createCache("wb", config);
  }

  @SuppressWarnings("unchecked")
  private static WriteBehind<String, String> writeBehindOf(Cache<String, String> cache) {
    TierCache<String, String> tiercache = cache.unwrap(TierCache.class);
    return tiercache.writeBehind().orElseThrow();
  }

  private static void drain(Cache<String, String> cache) throws InterruptedException {
    WriteBehind<String, String> wb = writeBehindOf(cache);
    long deadline = System.currentTimeMillis() + 30_000;
    while (wb.getBacklog() > 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(0, wb.getBacklog(), "write-behind drained within 30 s");
  }

  @Test
  void acknowledgedWritesArriveLaterCoalescedPerKeyAndInFullBatches() throws Exception {
    Cache<String, String> cache = cache(WriteBehindSettings.DEFAULTS.withDelayMillis(2_000).withBatchSize(500), false);
    Map<String, String> expected = new HashMap<>();
    for (int i = 0; i < 2_000; i++) {
      cache.put("k" + i, "v" + i);
      expected.put("k" + i, "v" + i);
    }
    for (int i = 0; i < 100; i++) {
      cache.put("hot", "hot-" + i);
    }
    expected.put("hot", "hot-99");
    assertTrue(Postgres.rows(TABLE).isEmpty(), "acknowledged now, written after the delay");
    drain(cache);
    assertEquals(expected, Postgres.rows(TABLE));
    WriteBehind<String, String> wb = writeBehindOf(cache);
    assertEquals(2_001, wb.getWritten(), "100 writes of 'hot' within the delay reached the database once");
    int[] sizes = wb.recentBatchSizes();
    System.out.println("write-behind batch sizes: " + Arrays.toString(sizes));
    assertEquals(500, Arrays.stream(sizes).max().orElse(0));
    assertTrue(sizes.length <= 5, "2,001 changes in batches of up to 500: " + Arrays.toString(sizes));
  }

  /**
   * The measured stall: a writer that throws an IllegalStateException (not a data error) for one key held
   * every batch that key was in, forever. Now 2,000 other writes reach PostgreSQL while the poison is tried
   * alone, and after three failed attempts it is a dead letter; nothing else is dead-lettered.
   */
  @Test
  void onePoisonRecordDoesNotHoldUpTheOthersAndBecomesADeadLetter() throws Exception {
    TierCacheConfiguration<String, String> config = new TierCacheConfiguration<String, String>()
        .setWriteBehind(WriteBehindSettings.DEFAULTS.withDelayMillis(100).withBatchSize(200).withMaxAttempts(3));
    config.setTypes(String.class, String.class).setWriteThrough(true).setCacheWriterFactory(new PoisonedStore());
    Cache<String, String> cache = manager.createCache("wb", config);
    cache.put("poison", "cannot be written");
    Map<String, String> expected = new HashMap<>();
    for (int i = 0; i < 2_000; i++) {
      cache.put("k" + i, "v" + i);
      expected.put("k" + i, "v" + i);
      if (i % 200 == 0) {
        Thread.sleep(100); // a stream of writes, so that rounds with other changes keep coming
      }
    }
    drain(cache);
    assertEquals(expected, Postgres.rows(TABLE), "every other write arrived");
    WriteBehind<String, String> wb = writeBehindOf(cache);
    assertEquals(1, wb.getDeadLetters(), "the poison, and only it");
    assertEquals("cannot be written", cache.get("poison"), "the cache still holds its value");
  }

  /** {@link JdbcCacheStore} over the test table, except that it cannot write the key "poison". */
  static final class PoisonedStore implements javax.cache.configuration.Factory<javax.cache.integration.CacheWriter<
      String, String>> {
    @Override
    public javax.cache.integration.CacheWriter<String, String> create() {
      JdbcCacheStore<String, String> store = new JdbcCacheStore<>(
          new JdbcCacheStore.Settings(Postgres.URL, TABLE, "k", "v", String.class, String.class));
      return new javax.cache.integration.CacheWriter<>() {
        @Override
        public void write(Cache.Entry<? extends String, ? extends String> entry) {
          check(entry.getKey());
          store.write(entry);
        }

        @Override
        public void writeAll(java.util.Collection<Cache.Entry<? extends String, ? extends String>> entries) {
          entries.forEach(e -> check(e.getKey()));
          store.writeAll(entries);
        }

        @Override
        public void delete(Object key) {
          store.delete(key);
        }

        @Override
        public void deleteAll(java.util.Collection<?> keys) {
          store.deleteAll(keys);
        }

        private void check(String key) {
          if (key.equals("poison")) {
            throw new IllegalStateException("no row for " + key);
          }
        }
      };
    }
  }

  @Test
  void aDeleteIsNeverAppliedBeforeAnEarlierPutOfTheSameKey() throws Exception {
    Postgres.execute("INSERT INTO " + TABLE + " VALUES ('gone', 'old'), ('back', 'old')");
    Cache<String, String> cache = cache(WriteBehindSettings.DEFAULTS.withDelayMillis(200), false);
    cache.put("back", "v1");
    cache.remove("back");
    cache.put("back", "v2");
    cache.put("gone", "v1");
    cache.remove("gone");
    cache.put("kept", "v1");
    cache.removeAll(Set.of("kept"));
    cache.put("kept", "v3");
    drain(cache);
    assertEquals(Map.of("back", "v2", "kept", "v3"), Postgres.rows(TABLE));
  }

  @Test
  void readThroughNeverLoadsOverAChangeNotYetWritten() throws Exception {
    Postgres.execute("INSERT INTO " + TABLE + " VALUES ('r', 'old'), ('s', 'old')");
    Cache<String, String> cache = cache(WriteBehindSettings.DEFAULTS.withDelayMillis(5_000), true);
    assertEquals("old", cache.get("r"));
    cache.remove("r");
    assertNull(cache.get("r"), "the pending delete wins over the row still in the database");
    cache.put("s", "new");
    cache.clear(); // drops the cache's copy; the pending write remains
    assertEquals("new", cache.get("s"), "the pending write wins over the row still in the database");
    assertEquals("new", cache.getAll(Set.of("s")).get("s"));
    manager.destroyCache("wb"); // closing flushes what this member owns
    assertEquals(Map.of("s", "new"), Postgres.rows(TABLE));
  }

  @Test
  void anOutageOfTheDatabaseMidRunLosesNothing() throws Exception {
    Cache<String, String> cache = cache(WriteBehindSettings.DEFAULTS.withDelayMillis(100), false);
    Map<String, String> expected = new HashMap<>();
    for (int i = 0; i < 1_500; i++) {
      if (i == 500) {
        Postgres.execute("ALTER TABLE " + TABLE + " RENAME TO " + TABLE + "_away"); // the database goes away
      }
      if (i == 1_000) {
        Thread.sleep(1_500);
        WriteBehind<String, String> wb = writeBehindOf(cache);
        assertTrue(wb.getRetries() > 0, "the writer failed and was retried");
        assertTrue(wb.getBacklog() >= 500, "nothing was dropped while the database was away: " + wb.getBacklog());
        assertTrue(wb.getLagMillis() >= 1_000, "lag shows how far behind the database is: " + wb.getLagMillis());
        assertEquals(wb.getBacklog(), ManagementFactory.getPlatformMBeanServer().getAttribute(
            MBeans.writeBehindName(manager.getURI().toString(), "wb"), "Backlog"), "visible in JMX");
        Postgres.execute("ALTER TABLE " + TABLE + "_away RENAME TO " + TABLE); // and comes back
      }
      String key = "k" + (i % 1_000);
      cache.put(key, "v" + i);
      expected.put(key, "v" + i);
    }
    drain(cache);
    assertEquals(expected, Postgres.rows(TABLE));
  }

  @Test
  void aFullBacklogMakesWritesWaitUntilTheDatabaseCatchesUp() throws Exception {
    Cache<String, String> cache = cache(WriteBehindSettings.DEFAULTS.withDelayMillis(0)
        .withMaxBacklog(50, WriteBehindSettings.WhenFull.BLOCK), false);
    Postgres.execute("ALTER TABLE " + TABLE + " RENAME TO " + TABLE + "_away");
    for (int i = 0; i < 50; i++) {
      cache.put("k" + i, "v" + i);
    }
    Thread.sleep(500); // the backlog is sampled a few times a second
    java.util.concurrent.CompletableFuture<Void> blocked =
        java.util.concurrent.CompletableFuture.runAsync(() -> cache.put("k50", "v50"));
    Thread.sleep(1_000);
    assertFalse(blocked.isDone(), "the 51st change waits while the backlog is full");
    Postgres.execute("ALTER TABLE " + TABLE + "_away RENAME TO " + TABLE);
    blocked.get(30, java.util.concurrent.TimeUnit.SECONDS);
    drain(cache);
    assertEquals(51, Postgres.rows(TABLE).size());
  }

  @Test
  void aChangeTheDatabaseRejectsBecomesADeadLetterThatCanBeReplayed() throws Exception {
    Postgres.execute("ALTER TABLE " + TABLE + " ADD CONSTRAINT no_poison CHECK (v <> 'poison')");
    Cache<String, String> cache = cache(WriteBehindSettings.DEFAULTS.withDelayMillis(100), false);
    for (int i = 0; i < 9; i++) {
      cache.put("k" + i, "v" + i);
    }
    cache.put("bad", "poison");
    drain(cache);
    WriteBehind<String, String> wb = writeBehindOf(cache);
    assertEquals(9, Postgres.rows(TABLE).size(), "the good changes of the batch were written");
    assertEquals(Set.of("bad"), wb.deadLetterKeys());
    assertTrue(wb.deadLetterError("bad").contains("no_poison"), wb.deadLetterError("bad"));
    Postgres.execute("ALTER TABLE " + TABLE + " DROP CONSTRAINT no_poison");
    assertTrue(wb.replay("bad"));
    drain(cache);
    assertEquals("poison", Postgres.rows(TABLE).get("bad"));
    assertTrue(wb.deadLetterKeys().isEmpty());
  }

  @Test
  void aFullBacklogRefusesTheWriteAndLeavesTheCacheUnchanged() throws Exception {
    Cache<String, String> cache = cache(WriteBehindSettings.DEFAULTS.withDelayMillis(60_000)
        .withMaxBacklog(5, WriteBehindSettings.WhenFull.REJECT), false);
    for (int i = 0; i < 5; i++) {
      cache.put("k" + i, "v" + i);
    }
    Thread.sleep(500); // the backlog is sampled a few times a second
    CacheWriterException e = assertThrows(CacheWriterException.class, () -> cache.put("k5", "v5"));
    assertTrue(e.getMessage().contains("backlog"), e.getMessage());
    assertFalse(cache.containsKey("k5"));
    manager.destroyCache("wb"); // closing flushes what was acknowledged
    assertEquals(5, Postgres.rows(TABLE).size());
  }
}
