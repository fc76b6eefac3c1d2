package dev.tiercache.samples.seed;

import dev.tiercache.integration.JdbcCacheStore;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.cache.configuration.Factory;
import javax.cache.integration.CacheLoader;

/**
 * The system of record (L3): a {@code users} table of {@code id → profile}, in this machine's PostgreSQL
 * when one answers at 127.0.0.1:5432, else in an embedded SQLite file, so the demo runs anywhere. Every
 * statement the caches send is counted, through {@link JdbcCacheStore#roundTrips()} of the stores the
 * factories below hand out.
 */
final class Database {

  private static final String POSTGRES = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&connectTimeout=2";

  /** The stores handed out, by table, so that their statements can be counted from the outside. */
  private static final Map<String, Queue<JdbcCacheStore<?, ?>>> STORES = new ConcurrentHashMap<>();

  final String url;
  final String kind;

  private Database(String url, String kind) {
    this.url = url;
    this.kind = kind;
  }

  /**
   * PostgreSQL if it answers, else a fresh SQLite file in {@code dir}; {@code -Dtiercache.demo.database=sqlite}
   * takes SQLite either way.
   */
  static Database open(Path dir) throws Exception {
    try (Connection ignored = "sqlite".equals(System.getProperty("tiercache.demo.database")) ? null
        : DriverManager.getConnection(POSTGRES)) {
      if (ignored == null) {
        throw new SQLException("SQLite asked for");
      }
      return new Database(POSTGRES, "PostgreSQL at 127.0.0.1:5432");
    } catch (SQLException unreachable) {
      Path file = dir.resolve("seed-demo.db");
      Files.deleteIfExists(file);
      return new Database("jdbc:sqlite:" + file, "embedded SQLite (no PostgreSQL at 127.0.0.1:5432)");
    }
  }

  /** A fresh table {@code (k text primary key, v text)} with {@code rows} rows {@code user:i → profile of i}. */
  void createTable(String table, int rows) throws SQLException {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + table);
      s.execute("CREATE TABLE " + table + " (k text PRIMARY KEY, v text NOT NULL)");
    }
    try (Connection c = DriverManager.getConnection(url)) {
      c.setAutoCommit(false);
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + table + " (k, v) VALUES (?, ?)")) {
        for (int i = 0; i < rows; i++) {
          insert.setString(1, "user:" + i);
          insert.setString(2, profile(i, 1));
          insert.addBatch();
          if (i % 1_000 == 999) {
            insert.executeBatch();
          }
        }
        insert.executeBatch();
      }
      c.commit();
    }
  }

  /** Another application instance's update of one row, straight to the database. */
  void update(String table, String key, String value) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        PreparedStatement update = c.prepareStatement("UPDATE " + table + " SET v = ? WHERE k = ?")) {
      update.setString(1, value);
      update.setString(2, key);
      update.executeUpdate();
    }
  }

  static String profile(int user, int version) {
    return "{\"id\":" + user + ",\"name\":\"user " + user + "\",\"version\":" + version + "}";
  }

  JdbcCacheStore.Settings settings(String table) {
    return new JdbcCacheStore.Settings(url, table, "k", "v", String.class, String.class);
  }

  /** A loader/writer factory over {@code table} whose stores count their statements under {@code label}. */
  Factory<JdbcCacheStore<String, String>> store(String table, String label) {
    return new CountedStore(settings(table), label);
  }

  /** Statements sent so far by every store counted under {@code label} (a JDBC batch counts once). */
  static long statements(String label) {
    Queue<JdbcCacheStore<?, ?>> stores = STORES.get(label);
    return stores == null ? 0 : stores.stream().mapToLong(JdbcCacheStore::roundTrips).sum();
  }

  private record CountedStore(JdbcCacheStore.Settings settings, String label)
      implements Factory<JdbcCacheStore<String, String>>, Serializable {
    @Override
    public JdbcCacheStore<String, String> create() {
      JdbcCacheStore<String, String> store = new JdbcCacheStore<>(settings);
      STORES.computeIfAbsent(label, l -> new ConcurrentLinkedQueue<>()).add(store);
      return store;
    }
  }

  /** A loader factory like {@link #store}, whose loads each take {@code millis} longer: a slow query. */
  Factory<CacheLoader<String, String>> slowStore(String table, String label, long millis) {
    return new SlowStore(new CountedStore(settings(table), label), millis);
  }

  private record SlowStore(CountedStore store, long millis) implements Factory<CacheLoader<String, String>> {
    @Override
    public CacheLoader<String, String> create() {
      JdbcCacheStore<String, String> loader = store.create();
      return new CacheLoader<>() {
        @Override
        public String load(String key) {
          sleep(millis);
          return loader.load(key);
        }

        @Override
        public Map<String, String> loadAll(Iterable<? extends String> keys) {
          sleep(millis);
          return loader.loadAll(keys);
        }
      };
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
