package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tiercache.config.NearCacheSettings;
import dev.tiercache.config.WriteBehindSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The version compare-and-set of {@link TierCache#getVersioned} and {@link TierCache#putIfUnchanged}, on two
 * members: the seed's cache-aside written by hand (read, miss, query, put) no longer re-caches a row that a
 * racing update and remove made stale, whether the key was present or absent at the read; optimistic
 * increments from two members lose no update; the lease an absent read leaves is seen by nobody else.
 */
class CompareAndSetTest {

  @RegisterExtension
  static final TestCluster.PerClass cluster = new TestCluster.PerClass(2);

  private static final String NAME = "versioned";

  @AfterEach
  void destroy() {
    for (int i = 0; i < cluster.size(); i++) {
      cluster.manager(i).destroyCache(NAME);
    }
  }

  private static List<TierCache<String, String>> open(TierCacheConfiguration<String, String> configuration) {
    List<TierCache<String, String>> caches = new ArrayList<>();
    for (int i = 0; i < cluster.size(); i++) {
      caches.add(TierCache.of(cluster.manager(i).createCache(NAME, configuration)));
    }
    return caches;
  }

  private static TierCacheConfiguration<String, String> plain(boolean nearCache) {
    TierCacheConfiguration<String, String> configuration = new TierCacheConfiguration<>();
    configuration.setTypes(String.class, String.class).setStatisticsEnabled(true);
    return configuration.setNearCache(nearCache ? NearCacheSettings.DEFAULTS : NearCacheSettings.DISABLED);
  }

  /**
   * The race that plain cache-aside loses ({@code CacheAsideTest}): A misses and reads the old row; B updates
   * the row and removes the (absent) entry; A's put of the old row is refused, and nobody serves it.
   */
  @Test
  void aRemoveOfTheAbsentKeyWhileTheReaderQueriesRefusesTheStalePut() {
    List<TierCache<String, String>> caches = open(plain(true));
    AtomicReference<String> row = new AtomicReference<>("old");
    Versioned<String> seen = caches.get(0).getVersioned("user:1");
    assertFalse(seen.isPresent());
    String read = row.get();
    row.set("new");
    assertFalse(caches.get(1).remove("user:1"), "B's remove finds no entry, only the lease");
    assertFalse(caches.get(0).putIfUnchanged("user:1", read, seen), "the old row is not cached");
    for (TierCache<String, String> cache : caches) {
      assertNull(cache.get("user:1"), "the old row survives on no member");
    }
    Versioned<String> again = caches.get(1).getVersioned("user:1");
    assertTrue(caches.get(1).putIfUnchanged("user:1", row.get(), again), "a read after the change may fill");
    for (TierCache<String, String> cache : caches) {
      assertEquals("new", cache.get("user:1"));
    }
  }

  /** The same with the key present at the read: B's update then remove (or a put) changes the version. */
  @Test
  void aChangeOfAPresentEntryAfterTheReadRefusesThePut() {
    List<TierCache<String, String>> caches = open(plain(true));
    caches.get(0).put("k", "v1");
    assertEquals("v1", caches.get(0).get("k"), "now in A's near cache too");
    Versioned<String> seen = caches.get(0).getVersioned("k");
    assertEquals("v1", seen.value());
    caches.get(1).put("k", "v2");
    assertFalse(caches.get(0).putIfUnchanged("k", "v1+", seen));
    assertEquals("v2", caches.get(0).get("k"));

    Versioned<String> second = caches.get(1).getVersioned("k");
    caches.get(0).remove("k");
    assertFalse(caches.get(1).putIfUnchanged("k", "v2+", second), "removed since the read");
    caches.get(0).put("k", "v2");
    assertFalse(caches.get(1).putIfUnchanged("k", "v2+", second), "the same value again is a new version");
    for (TierCache<String, String> cache : caches) {
      assertEquals("v2", cache.get("k"));
    }
  }

  @Test
  void readersOfAnAbsentKeyShareOneLeaseAndOnlyTheFirstPutWins() {
    List<TierCache<String, String>> caches = open(plain(false));
    Versioned<String> a = caches.get(0).getVersioned("k");
    Versioned<String> b = caches.get(1).getVersioned("k");
    assertEquals(a.version(), b.version(), "one lease for the key, wherever it is read");
    assertTrue(caches.get(1).putIfUnchanged("k", "from B", b));
    assertFalse(caches.get(0).putIfUnchanged("k", "from A", a), "the key changed: B's put");
    assertFalse(caches.get(1).putIfUnchanged("k", "again", b), "a token is spent by its put");
    Versioned<String> present = caches.get(0).getVersioned("k");
    assertEquals("from B", present.value());
    assertNotEquals(b.version(), present.version());
    assertTrue(caches.get(0).putIfUnchanged("k", "from A", present));
    assertEquals("from A", caches.get(1).get("k"));
  }

  /**
   * Optimistic read-modify-write: 8 threads on 2 members each add 1 to one counter 40 times, reading through
   * the near cache (a plain get first fills it) and retrying when the put is refused: no increment is lost.
   */
  @Test
  void incrementsFromTwoMembersLoseNoUpdate() throws Exception {
    List<TierCache<String, String>> caches = open(plain(true));
    int threads = 8;
    int each = 40;
    CyclicBarrier start = new CyclicBarrier(threads);
    AtomicInteger refused = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        TierCache<String, String> cache = caches.get(t % 2);
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < each; i++) {
            while (true) {
              cache.get("counter");
              Versioned<String> seen = cache.getVersioned("counter");
              int next = seen.isPresent() ? Integer.parseInt(seen.value()) + 1 : 1;
              if (cache.putIfUnchanged("counter", Integer.toString(next), seen)) {
                break;
              }
              refused.incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    for (TierCache<String, String> cache : caches) {
      assertEquals(Integer.toString(threads * each), cache.get("counter"), refused.get() + " puts were refused");
    }
    assertTrue(refused.get() > 0, "8 threads on one key must have collided at least once");
  }

  /** A lease is nobody's entry: invisible to reads, iteration and listeners; it expires without an event. */
  @Test
  void aLeaseIsNotAnEntry() throws Exception {
    List<CacheEntryEvent<?, ?>> heard = new CopyOnWriteArrayList<>();
    TierCacheConfiguration<String, String> configuration = plain(true);
    configuration.setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.MILLISECONDS, 300)));
    configuration.addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
        FactoryBuilder.factoryOf(new Recorder(heard)), null, true, true));
    List<TierCache<String, String>> caches = open(configuration);
    TierCache<String, String> a = caches.get(0);
    Versioned<String> seen = a.getVersioned("k");
    assertFalse(seen.isPresent());
    for (TierCache<String, String> cache : caches) {
      assertNull(cache.get("k"));
      assertFalse(cache.containsKey("k"));
      assertFalse(cache.iterator().hasNext(), "iteration skips the lease");
      assertNull(cache.getAndRemove("k"), "a remove finds no entry (and ends the lease)");
    }
    assertFalse(a.putIfUnchanged("k", "v", seen));
    assertTrue(heard.isEmpty(), "no event for a lease: " + heard);

    Versioned<String> fresh = a.getVersioned("k");
    assertTrue(a.putIfUnchanged("k", "v", fresh));
    assertEquals("v", caches.get(1).get("k"));
    long deadline = System.currentTimeMillis() + 10_000;
    while (heard.size() < 4 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    Thread.sleep(300);
    // The listener is registered on both members (the configuration names it), and each hears every event.
    assertEquals(List.of("CREATED k=v", "CREATED k=v", "EXPIRED k=v", "EXPIRED k=v"),
        heard.stream().map(Recorder::describe).sorted().toList(),
        "the put's entry is created and expires once, as a put's would, for the listener of each member");
    Versioned<String> afterExpiry = a.getVersioned("k");
    assertFalse(afterExpiry.isPresent(), "an expired entry reads as absent and gets a lease");
    Thread.sleep(100);
    assertEquals(4, heard.size(), "leasing over the expired entry adds no event: " + heard);
  }

  /**
   * With write-behind, a delete not yet written means the system of record still has the row the caller
   * read: a put of it is refused until the delete is written.
   */
  @Test
  void aDeleteWaitingForWriteBehindRefusesThePutOfTheRowItDeletes() {
    Map<String, String> database = new ConcurrentHashMap<>(Map.of("k", "row"));
    TierCacheConfiguration<String, String> configuration = plain(false);
    configuration.setWriteBehind(WriteBehindSettings.DEFAULTS.withDelayMillis(60_000));
    configuration.setWriteThrough(true).setCacheWriterFactory(FactoryBuilder.factoryOf(new MapWriter(database)));
    List<TierCache<String, String>> caches = open(configuration);
    caches.get(0).put("k", "row");
    caches.get(1).remove("k");
    Versioned<String> seen = caches.get(0).getVersioned("k");
    assertFalse(seen.isPresent());
    assertEquals("row", database.get("k"), "the delete waits 60 s for write-behind");
    assertFalse(caches.get(0).putIfUnchanged("k", database.get("k"), seen));
    assertNull(caches.get(1).get("k"));
  }

  /** removeAll() deletes the rows of the cache's entries through the writer; a lease is no entry. */
  @Test
  void removeAllLeavesTheRowOfAKeyThatIsOnlyLeased() {
    Map<String, String> database = new ConcurrentHashMap<>(Map.of("leased", "row", "cached", "row"));
    TierCacheConfiguration<String, String> configuration = plain(false);
    configuration.setWriteThrough(true).setCacheWriterFactory(FactoryBuilder.factoryOf(new MapWriter(database)));
    TierCache<String, String> cache = open(configuration).get(0);
    cache.put("cached", "row");
    assertFalse(cache.getVersioned("leased").isPresent());
    cache.removeAll();
    assertEquals(Map.of("leased", "row"), database, "only the entry's row is deleted");
  }

  @Test
  void badArgumentsAreRefused() {
    TierCache<String, String> cache = open(plain(false)).get(0);
    Versioned<String> seen = cache.getVersioned("k");
    assertThrows(NullPointerException.class, () -> cache.getVersioned(null));
    assertThrows(NullPointerException.class, () -> cache.putIfUnchanged(null, "v", seen));
    assertThrows(NullPointerException.class, () -> cache.putIfUnchanged("k", null, seen));
    assertThrows(NullPointerException.class, () -> cache.putIfUnchanged("k", "v", null));
    @SuppressWarnings({"rawtypes", "unchecked"})
    TierCache<Object, Object> raw = (TierCache) cache;
    assertThrows(ClassCastException.class, () -> raw.putIfUnchanged("k", 42, (Versioned) seen));
    assertTrue(cache.putIfUnchanged("k", "v", seen), "the refused calls changed nothing");
    cache.close();
    assertThrows(IllegalStateException.class, () -> cache.getVersioned("k"));
  }

  /** Records every event as "TYPE key=value". */
  static final class Recorder implements CacheEntryCreatedListener<String, String>,
      CacheEntryUpdatedListener<String, String>, CacheEntryRemovedListener<String, String>,
      CacheEntryExpiredListener<String, String>, java.io.Serializable {
    private final transient List<CacheEntryEvent<?, ?>> heard;

    Recorder(List<CacheEntryEvent<?, ?>> heard) {
      this.heard = heard;
    }

    static String describe(CacheEntryEvent<?, ?> e) {
      return e.getEventType() + " " + e.getKey() + "=" + e.getValue();
    }

    private void add(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      events.forEach(heard::add);
    }

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      add(events);
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      add(events);
    }

    @Override
    public void onRemoved(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      add(events);
    }

    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      add(events);
    }
  }

  /** A writer over a map standing for the system of record. */
  static final class MapWriter implements CacheWriter<String, String>, java.io.Serializable {
    private final transient Map<String, String> rows;

    MapWriter(Map<String, String> rows) {
      this.rows = rows;
    }

    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {
      rows.put(entry.getKey(), entry.getValue());
    }

    @Override
    public void writeAll(java.util.Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      entries.forEach(this::write);
    }

    @Override
    public void delete(Object key) {
      rows.remove(key);
    }

    @Override
    public void deleteAll(java.util.Collection<?> keys) {
      keys.forEach(this::delete);
    }
  }
}
