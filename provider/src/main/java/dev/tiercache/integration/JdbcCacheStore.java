package dev.tiercache.integration;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import javax.cache.Cache;
import javax.cache.configuration.Factory;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheLoaderException;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;

/**
 * A {@link CacheLoader} and {@link CacheWriter} over one table, in plain JDBC: a key column (the primary
 * key) and a value column. Usable for read-through, write-through and write-behind.
 *
 * <p>Batches are what make a database keep up with a cache: {@code loadAll} is one {@code SELECT ... IN}
 * per 500 keys, {@code writeAll} one JDBC batch of upserts ({@code INSERT ... ON CONFLICT ... DO UPDATE},
 * as PostgreSQL and SQLite spell it) in one transaction, {@code deleteAll} one {@code DELETE ... IN}
 * per 500 keys in one transaction. A batch is all or nothing: on failure it is rolled back and every
 * entry stays in the collection, so the cache (or write-behind) knows none of them was written.
 *
 * <p>Keys and values of types JDBC maps by itself (String, numbers, {@code byte[]}, UUID, dates) are
 * bound as they are; any other type is stored Java-serialized in a binary column. Connections come from
 * a small pool of this store's own ({@link Settings#poolSize()}); a connection that fails is dropped.
 */
public final class JdbcCacheStore<K, V> implements CacheLoader<K, V>, CacheWriter<K, V>, KeyLister<K>, AutoCloseable {

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Set<Class<?>> JDBC_TYPES = Set.of(String.class, Integer.class, Long.class, Short.class,
      Double.class, Float.class, Boolean.class, BigDecimal.class, byte[].class, UUID.class, LocalDate.class,
      LocalDateTime.class, Instant.class);
  private static final int IN_LIST_CHUNK = 500;

  /**
   * Where the table is and what it looks like.
   *
   * @param jdbcUrl the database, e.g. {@code jdbc:postgresql://127.0.0.1:5432/app?user=app}
   * @param table table name
   * @param keyColumn primary-key column
   * @param valueColumn value column
   * @param keyType the cache's key type
   * @param valueType the cache's value type
   * @param poolSize most connections this store opens
   */
  public record Settings(String jdbcUrl, String table, String keyColumn, String valueColumn,
      Class<?> keyType, Class<?> valueType, int poolSize) implements Serializable {

    public Settings {
      Objects.requireNonNull(jdbcUrl, "jdbcUrl");
      for (String identifier : new String[] {table, keyColumn, valueColumn}) {
        if (identifier == null || !IDENTIFIER.matcher(identifier).matches()) {
          throw new IllegalArgumentException("'" + identifier + "' is not a plain SQL identifier "
              + "(letters, digits and _ only)");
        }
      }
      Objects.requireNonNull(keyType, "keyType");
      Objects.requireNonNull(valueType, "valueType");
      if (poolSize < 1) {
        throw new IllegalArgumentException("poolSize must be at least 1, was " + poolSize);
      }
    }

    public Settings(String jdbcUrl, String table, String keyColumn, String valueColumn, Class<?> keyType,
        Class<?> valueType) {
      this(jdbcUrl, table, keyColumn, valueColumn, keyType, valueType, 4);
    }
  }

  /** A serializable factory, for {@code MutableConfiguration.setCacheLoaderFactory/setCacheWriterFactory}. */
  public static <K, V> Factory<JdbcCacheStore<K, V>> factory(Settings settings) {
    return new StoreFactory<>(settings);
  }

  private record StoreFactory<K, V>(Settings settings) implements Factory<JdbcCacheStore<K, V>> {
    @Override
    public JdbcCacheStore<K, V> create() {
      return new JdbcCacheStore<>(settings);
    }
  }

  private final Settings settings;
  private final String selectOne;
  private final String upsert;
  private final String deleteOne;
  private final JdbcConnections connections;
  private final AtomicLong roundTrips = new AtomicLong();

  public JdbcCacheStore(Settings settings) {
    this.settings = settings;
    String t = settings.table();
    String k = settings.keyColumn();
    String v = settings.valueColumn();
    this.selectOne = "SELECT " + v + " FROM " + t + " WHERE " + k + " = ?";
    this.upsert = "INSERT INTO " + t + " (" + k + ", " + v + ") VALUES (?, ?) ON CONFLICT (" + k
        + ") DO UPDATE SET " + v + " = EXCLUDED." + v;
    this.deleteOne = "DELETE FROM " + t + " WHERE " + k + " = ?";
    this.connections = new JdbcConnections(settings.jdbcUrl(), settings.table(), settings.poolSize());
  }

  /** Statements sent to the database so far (a JDBC batch counts once), for measuring. */
  public long roundTrips() {
    return roundTrips.get();
  }

  @Override
  public V load(K key) {
    try {
      return connections.withConnection(c -> {
        try (PreparedStatement s = c.prepareStatement(selectOne)) {
          bind(s, 1, key);
          roundTrips.incrementAndGet();
          try (ResultSet rs = s.executeQuery()) {
            return rs.next() ? readValue(rs, 1) : null;
          }
        }
      });
    } catch (SQLException e) {
      throw new CacheLoaderException("Loading key " + key + " from " + settings.table() + " failed: " + e, e);
    }
  }

  @Override
  public Map<K, V> loadAll(Iterable<? extends K> keys) {
    List<K> all = new ArrayList<>();
    keys.forEach(all::add);
    Map<K, V> result = new HashMap<>();
    try {
      connections.withConnection(c -> {
        for (List<K> chunk : chunks(all)) {
          String sql = "SELECT " + settings.keyColumn() + ", " + settings.valueColumn() + " FROM "
              + settings.table() + " WHERE " + settings.keyColumn() + " IN (" + placeholders(chunk.size()) + ")";
          try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < chunk.size(); i++) {
              bind(s, i + 1, chunk.get(i));
            }
            roundTrips.incrementAndGet();
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                result.put(readKey(rs, 1), readValue(rs, 2));
              }
            }
          }
        }
        return null;
      });
    } catch (SQLException e) {
      throw new CacheLoaderException("Loading " + all.size() + " keys from " + settings.table() + " failed: " + e, e);
    }
    return result;
  }

  /** Keys fetched per query by {@link #allKeys()}. */
  private static final int KEY_PAGE = 1_000;

  /**
   * Every key of the table, in key order, fetched {@value #KEY_PAGE} at a time by key range (each page
   * one short query on a pooled connection, none held between pages). A failed query ends the iteration
   * with a {@link CacheLoaderException}.
   */
  @Override
  public Iterable<K> allKeys() {
    String first = "SELECT " + settings.keyColumn() + " FROM " + settings.table() + " ORDER BY "
        + settings.keyColumn() + " LIMIT " + KEY_PAGE;
    String next = "SELECT " + settings.keyColumn() + " FROM " + settings.table() + " WHERE " + settings.keyColumn()
        + " > ? ORDER BY " + settings.keyColumn() + " LIMIT " + KEY_PAGE;
    return () -> new java.util.Iterator<K>() {
      private List<K> page = List.of();
      private int at;
      private boolean last;

      @Override
      public boolean hasNext() {
        if (at < page.size()) {
          return true;
        }
        if (last) {
          return false;
        }
        page = keyPage(page.isEmpty() ? first : next, page.isEmpty() ? null : page.get(page.size() - 1));
        at = 0;
        last = page.size() < KEY_PAGE;
        return !page.isEmpty();
      }

      @Override
      public K next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        return page.get(at++);
      }
    };
  }

  private List<K> keyPage(String sql, K after) {
    try {
      return connections.withConnection(c -> {
        try (PreparedStatement s = c.prepareStatement(sql)) {
          if (after != null) {
            bind(s, 1, after);
          }
          roundTrips.incrementAndGet();
          List<K> keys = new ArrayList<>();
          try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              keys.add(readKey(rs, 1));
            }
          }
          return keys;
        }
      });
    } catch (SQLException e) {
      throw new CacheLoaderException("Listing the keys of " + settings.table() + " failed: " + e, e);
    }
  }

  @Override
  public void write(Cache.Entry<? extends K, ? extends V> entry) {
    try {
      connections.withConnection(c -> {
        try (PreparedStatement s = c.prepareStatement(upsert)) {
          bind(s, 1, entry.getKey());
          bind(s, 2, entry.getValue());
          roundTrips.incrementAndGet();
          s.executeUpdate();
        }
        return null;
      });
    } catch (SQLException e) {
      throw new CacheWriterException("Writing key " + entry.getKey() + " to " + settings.table() + " failed: " + e, e);
    }
  }

  @Override
  public void writeAll(Collection<Cache.Entry<? extends K, ? extends V>> entries) {
    if (entries.isEmpty()) {
      return;
    }
    try {
      connections.inTransaction(c -> {
        try (PreparedStatement s = c.prepareStatement(upsert)) {
          for (Cache.Entry<? extends K, ? extends V> entry : entries) {
            bind(s, 1, entry.getKey());
            bind(s, 2, entry.getValue());
            s.addBatch();
          }
          roundTrips.incrementAndGet();
          s.executeBatch();
        }
      });
      entries.clear();
    } catch (SQLException e) {
      throw new CacheWriterException("Writing " + entries.size() + " entries to " + settings.table()
          + " failed, none written: " + e, e);
    }
  }

  @Override
  public void delete(Object key) {
    try {
      connections.withConnection(c -> {
        try (PreparedStatement s = c.prepareStatement(deleteOne)) {
          bind(s, 1, key);
          roundTrips.incrementAndGet();
          s.executeUpdate();
        }
        return null;
      });
    } catch (SQLException e) {
      throw new CacheWriterException("Deleting key " + key + " from " + settings.table() + " failed: " + e, e);
    }
  }

  @Override
  public void deleteAll(Collection<?> keys) {
    if (keys.isEmpty()) {
      return;
    }
    List<Object> all = new ArrayList<>(keys);
    try {
      connections.inTransaction(c -> {
        for (List<Object> chunk : chunks(all)) {
          String sql = "DELETE FROM " + settings.table() + " WHERE " + settings.keyColumn() + " IN ("
              + placeholders(chunk.size()) + ")";
          try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < chunk.size(); i++) {
              bind(s, i + 1, chunk.get(i));
            }
            roundTrips.incrementAndGet();
            s.executeUpdate();
          }
        }
      });
      keys.clear();
    } catch (SQLException e) {
      throw new CacheWriterException("Deleting " + all.size() + " keys from " + settings.table()
          + " failed, none deleted: " + e, e);
    }
  }

  @Override
  public void close() {
    connections.close();
  }

  /** SQL states of class 22 (data exception) and 23 (integrity constraint violation). */
  static boolean isDataError(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("22") || state.startsWith("23"));
  }

  // ------------------------------------------------------------------ values

  private void bind(PreparedStatement s, int index, Object value) throws SQLException {
    if (JDBC_TYPES.contains(value.getClass())) {
      s.setObject(index, value);
    } else {
      s.setBytes(index, serialize(value));
    }
  }

  @SuppressWarnings("unchecked")
  private K readKey(ResultSet rs, int column) throws SQLException {
    return (K) read(rs, column, settings.keyType());
  }

  @SuppressWarnings("unchecked")
  private V readValue(ResultSet rs, int column) throws SQLException {
    return (V) read(rs, column, settings.valueType());
  }

  private static Object read(ResultSet rs, int column, Class<?> type) throws SQLException {
    if (JDBC_TYPES.contains(type)) {
      return rs.getObject(column, type);
    }
    byte[] bytes = rs.getBytes(column);
    return bytes == null ? null : deserialize(bytes);
  }

  private static byte[] serialize(Object value) throws SQLException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    } catch (IOException e) {
      throw new SQLException("Cannot serialize " + value.getClass().getName() + " for a binary column", "22000", e);
    }
    return bytes.toByteArray();
  }

  private static Object deserialize(byte[] bytes) throws SQLException {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      return in.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new SQLException("Cannot deserialize a value read from a binary column", "22000", e);
    }
  }

  private static <T> List<List<T>> chunks(List<T> all) {
    List<List<T>> chunks = new ArrayList<>();
    for (int from = 0; from < all.size(); from += IN_LIST_CHUNK) {
      chunks.add(all.subList(from, Math.min(all.size(), from + IN_LIST_CHUNK)));
    }
    return chunks;
  }

  private static String placeholders(int n) {
    return String.join(", ", java.util.Collections.nCopies(n, "?"));
  }

  @Override
  public String toString() {
    return "JdbcCacheStore[" + settings.table() + "]";
  }
}
