package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tiercache.cluster.CacheRecord;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code TierCache.put(key, value, ttl)} and its {@code putIfAbsent} and {@code replace} forms: the entry
 * expires that long after the write, created or updated, whatever the cache's policy; on the one-step
 * route with no writer and no listener, and with the writer and events on the locked one.
 */
class PerEntryTtlTest {

  private final CacheManager manager = Caching.getCachingProvider().getCacheManager();

  @AfterEach
  void tearDown() {
    manager.destroyCache("ttl");
    EVENTS.clear();
    WRITES.clear();
  }

  @SuppressWarnings("unchecked")
  private TierCache<String, String> open(MutableConfiguration<String, String> config) {
    return manager.createCache("ttl", config.setTypes(String.class, String.class)).unwrap(TierCache.class);
  }

  /** When the cache's only record expires, as stored in L2, in ms after {@code since}. */
  private static long expiresIn(TierCache<String, String> cache, long since) {
    assertEquals(1, cache.l2Map().size(), "one entry in these checks");
    return cache.l2Map().values().iterator().next().expiresAt() - since;
  }

  @Test
  void anEntrysOwnTimeToLiveOverridesTheCachesPolicyOnCreateAndUpdate() throws Exception {
    TierCache<String, String> cache = open(new MutableConfiguration<String, String>()
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(javax.cache.expiry.Duration.ONE_HOUR)));
    long before = System.currentTimeMillis();
    cache.put("k", "v1", Duration.ofMillis(700));
    long in = expiresIn(cache, before);
    assertTrue(in >= 700 && in <= 700 + System.currentTimeMillis() - before, "expires 700 ms after the put: " + in);
    cache.put("k", "v2", Duration.ofSeconds(30));
    assertTrue(expiresIn(cache, before) >= 30_000, "an update with a time to live sets it anew");
    cache.put("k", "v3", Duration.ofMillis(500));
    assertEquals("v3", cache.get("k"));
    awaitGone(cache, "k", 3_000);
  }

  @Test
  void putIfAbsentAndReplaceTakeATimeToLiveToo() throws Exception {
    TierCache<String, String> cache = open(new MutableConfiguration<>());
    assertFalse(cache.replace("k", "v", Duration.ofSeconds(1)), "nothing to replace");
    assertTrue(cache.putIfAbsent("k", "v1", Duration.ofMillis(500)));
    assertFalse(cache.putIfAbsent("k", "v2", Duration.ofHours(1)), "present: not put, expiry unchanged");
    assertEquals("v1", cache.get("k"));
    awaitGone(cache, "k", 3_000);
    cache.put("k", "eternal");
    assertEquals(CacheRecord.ETERNAL, cache.l2Map().values().iterator().next().expiresAt());
    assertTrue(cache.replace("k", "brief", Duration.ofMillis(500)));
    assertEquals("brief", cache.get("k"));
    awaitGone(cache, "k", 3_000);
  }

  static final List<String> EVENTS = new CopyOnWriteArrayList<>();
  static final List<String> WRITES = new CopyOnWriteArrayList<>();

  /** Notes CREATED and EXPIRED events. */
  public static final class Events implements CacheEntryCreatedListener<String, String>,
      CacheEntryExpiredListener<String, String>, Serializable {
    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      events.forEach(e -> EVENTS.add("created " + e.getKey()));
    }

    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      events.forEach(e -> EVENTS.add("expired " + e.getKey()));
    }
  }

  /** Notes each write. */
  public static final class Writer implements CacheWriter<String, String>, Serializable {
    @Override
    public void write(javax.cache.Cache.Entry<? extends String, ? extends String> entry) {
      WRITES.add(entry.getKey() + "=" + entry.getValue());
    }

    @Override
    public void writeAll(java.util.Collection<javax.cache.Cache.Entry<? extends String, ? extends String>> entries) {
      entries.forEach(this::write);
      entries.clear();
    }

    @Override
    public void delete(Object key) {}

    @Override
    public void deleteAll(java.util.Collection<?> keys) {
      keys.clear();
    }
  }

  @Test
  void onTheLockedRouteTheWriterAndTheListenersSeeTheEntryAndItsExpiry() throws Exception {
    TierCache<String, String> cache = open(new MutableConfiguration<String, String>()
        .setWriteThrough(true).setCacheWriterFactory(FactoryBuilder.factoryOf(Writer.class))
        .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
            FactoryBuilder.factoryOf(Events.class), null, false, true)));
    assertEquals(Writes.PutRoute.UNDER_LOCK, cache.putRoute());
    cache.put("k", "v", Duration.ofMillis(500));
    assertEquals(List.of("k=v"), WRITES);
    long deadline = System.currentTimeMillis() + 5_000;
    while (EVENTS.size() < 2 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(List.of("created k", "expired k"), EVENTS, "the sweeper expires it, untouched, with its event");
  }

  @Test
  void withAListenerAndNoWriterThePutStaysOneStepAndItsEventsComeFromTheOwner() throws Exception {
    TierCache<String, String> cache = open(new MutableConfiguration<String, String>()
        .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
            FactoryBuilder.factoryOf(Events.class), null, false, true)));
    assertEquals(Writes.PutRoute.ON_OWNER_PUBLISHING, cache.putRoute());
    cache.put("k", "v", Duration.ofMillis(500));
    assertEquals(List.of("created k"), EVENTS, "the synchronous listener ran before the put returned");
    long deadline = System.currentTimeMillis() + 5_000;
    while (EVENTS.size() < 2 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(List.of("created k", "expired k"), EVENTS, "the sweeper expires it, untouched, with its event");
  }

  @Test
  void aTimeToLiveMustBePositiveAndAHugeOneIsForever() {
    TierCache<String, String> cache = open(new MutableConfiguration<>());
    assertThrows(NullPointerException.class, () -> cache.put("k", "v", null));
    assertThrows(IllegalArgumentException.class, () -> cache.put("k", "v", Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> cache.putIfAbsent("k", "v", Duration.ofSeconds(-1)));
    assertThrows(IllegalArgumentException.class, () -> cache.replace("k", "v", Duration.ofMillis(-5)));
    assertEquals(0, cache.l2Map().size(), "a refused put changes nothing");
    cache.put("k", "v", Duration.ofSeconds(Long.MAX_VALUE));
    assertEquals(CacheRecord.ETERNAL, cache.l2Map().values().iterator().next().expiresAt());
    cache.close();
    assertThrows(IllegalStateException.class, () -> cache.put("k", "v", Duration.ofSeconds(1)));
  }

  private static void awaitGone(TierCache<String, String> cache, String key, long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (cache.get(key) != null && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertNull(cache.get(key), key + " expired within " + millis + " ms");
  }
}
