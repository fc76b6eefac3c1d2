package dev.tiercache.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tiercache.Postgres;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.Factory;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.integration.CacheWriterException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reusable JDBC loader and writer, as read-through and write-through of a cache, on PostgreSQL. */
class JdbcCacheStoreTest {

  static final String TABLE = "tiercache_store_test";
  static final List<JdbcCacheStore<String, String>> STORES = new CopyOnWriteArrayList<>();

  /** Hands the cache a store and keeps it, so the test can count the stores' round trips. */
  public static final class RecordingFactory implements Factory<JdbcCacheStore<String, String>> {
    @Override
    public JdbcCacheStore<String, String> create() {
      JdbcCacheStore<String, String> store = new JdbcCacheStore<>(
          new JdbcCacheStore.Settings(Postgres.URL, TABLE, "k", "v", String.class, String.class));
      STORES.add(store);
      return store;
    }
  }

  private final CacheManager manager = Caching.getCachingProvider().getCacheManager();
  private Cache<String, String> cache;

  @BeforeEach
  void setUp() throws Exception {
    Postgres.recreate(TABLE);
    Postgres.execute("INSERT INTO " + TABLE + " SELECT 'row-' || i, 'value-' || i FROM generate_series(1, 20) i");
    cache = manager.createCache("jdbc", new MutableConfiguration<String, String>()
        .setTypes(String.class, String.class)
        .setReadThrough(true).setCacheLoaderFactory(new RecordingFactory())
        .setWriteThrough(true).setCacheWriterFactory(new RecordingFactory()));
  }

  @AfterEach
  void tearDown() {
    manager.destroyCache("jdbc");
    STORES.clear();
  }

  @Test
  void readThroughLoadsRowsAndGetAllIsOneQuery() {
    assertEquals("value-1", cache.get("row-1"));
    assertNull(cache.get("no-such-row"));
    long before = storeRoundTrips();
    Map<String, String> some = cache.getAll(Set.of("row-2", "row-3", "row-4", "row-5", "missing"));
    assertEquals(Map.of("row-2", "value-2", "row-3", "value-3", "row-4", "value-4", "row-5", "value-5"), some);
    assertEquals(1, storeRoundTrips() - before, "four misses, one SELECT ... IN");
  }

  @Test
  void writeThroughUpsertsAndDeletes() throws Exception {
    cache.put("row-1", "changed");
    cache.put("new", "inserted");
    cache.putAll(Map.of("a", "1", "b", "2", "c", "3"));
    cache.remove("row-2");
    cache.removeAll(Set.of("row-3", "row-4"));
    Map<String, String> rows = Postgres.rows(TABLE);
    assertEquals("changed", rows.get("row-1"));
    assertEquals("inserted", rows.get("new"));
    assertEquals("2", rows.get("b"));
    assertNull(rows.get("row-2"));
    assertNull(rows.get("row-3"));
    assertEquals(20 - 3 + 1 + 3, rows.size());
  }

  @Test
  void aRejectedWriteLeavesTheCacheUnchanged() throws Exception {
    Postgres.execute("ALTER TABLE " + TABLE + " ADD CONSTRAINT no_poison CHECK (v <> 'poison')");
    cache.put("row-1", "fine");
    assertThrows(CacheWriterException.class, () -> cache.put("row-1", "poison"));
    assertEquals("fine", cache.get("row-1"));
    assertEquals("fine", Postgres.rows(TABLE).get("row-1"));
  }

  private static long storeRoundTrips() {
    return STORES.stream().mapToLong(JdbcCacheStore::roundTrips).sum();
  }
}
