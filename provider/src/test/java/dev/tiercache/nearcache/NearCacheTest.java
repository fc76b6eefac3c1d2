package dev.tiercache.nearcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tiercache.TierCache;
import dev.tiercache.TierCacheConfiguration;
import dev.tiercache.config.ConfigLoader;
import dev.tiercache.config.NearCacheSettings;
import dev.tiercache.config.TiercacheConfig;
import dev.tiercache.config.TiercacheConfigException;
import java.io.StringReader;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.AccessedExpiryPolicy;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The near cache on one member: copies, expiry, statistics, settings. */
class NearCacheTest {

  private final CacheManager manager = Caching.getCachingProvider().getCacheManager();

  @AfterEach
  void tearDown() {
    manager.destroyCache("near");
  }

  private <K, V> TierCache<K, V> create(MutableConfiguration<K, V> config) {
    @SuppressWarnings("unchecked")
    TierCache<K, V> cache = manager.createCache("near", config).unwrap(TierCache.class);
    return cache;
  }

  /**
   * Waits until the cluster's announcements of this many changes have arrived. The announcement of a
   * put arrives a little after the put returns and drops the key from L1 again, so a test that counts L1
   * hits right after a put waits for it first.
   */
  private static void awaitInvalidations(TierCache<?, ?> cache, long count) throws InterruptedException {
    NearCache nearCache = cache.nearCache().orElseThrow();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (nearCache.invalidations() < count && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertTrue(nearCache.invalidations() >= count, "the change was announced");
  }

  @Test
  void aHitReturnsAPrivateCopyOfAMutableValue() {
    TierCache<String, Pojo> cache = create(new TierCacheConfiguration<String, Pojo>().setTypes(String.class, Pojo.class));
    Pojo original = new Pojo(1, "one");
    cache.put("k", original);
    original.name = "changed after put";
    Pojo first = cache.get("k"); // from L2, now in L1
    Pojo second = cache.get("k"); // from L1
    assertEquals("one", second.name);
    assertNotSame(first, second);
    second.name = "changed by a reader";
    second.tags.add("x");
    Pojo third = cache.get("k");
    assertEquals("one", third.name, "a reader's change does not reach the cache");
    assertEquals(0, third.tags.size());
    assertNotSame(second, third);
  }

  @Test
  void immutableValuesAreShared() throws Exception {
    TierCache<String, String> cache = create(new TierCacheConfiguration<String, String>().setTypes(String.class, String.class));
    cache.put("k", "v");
    awaitInvalidations(cache, 1);
    String first = cache.get("k");
    assertSame(first, cache.get("k"), "an immutable value needs no copy");
  }

  @Test
  void statisticsTellTheTiersApart() throws Exception {
    TierCache<String, String> cache = create(new TierCacheConfiguration<String, String>()
        .setTypes(String.class, String.class).setStatisticsEnabled(true));
    cache.put("k", "v");
    awaitInvalidations(cache, 1);
    cache.get("k");
    cache.get("k");
    cache.get("k");
    cache.get("absent");
    assertEquals(1, cache.statistics().getL2Hits());
    assertEquals(2, cache.statistics().getL1Hits());
    assertEquals(3, cache.statistics().getCacheHits(), "JCache hits count both tiers");
    assertEquals(1, cache.statistics().getCacheMisses());
    ObjectName name = new ObjectName("dev.tiercache:type=CacheTierStatistics,CacheManager="
        + manager.getURI().toString().replace(':', '.') + ",Cache=near");
    assertEquals(2L, ManagementFactory.getPlatformMBeanServer().getAttribute(name, "L1Hits"));
    assertEquals(1L, ManagementFactory.getPlatformMBeanServer().getAttribute(name, "NearCacheSize"));
  }

  @Test
  void anExpiredEntryIsNeverReturnedFromL1() throws Exception {
    TierCache<String, String> cache = create(new TierCacheConfiguration<String, String>()
        .setTypes(String.class, String.class)
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.MILLISECONDS, 300))));
    cache.put("k", "v");
    assertEquals("v", cache.get("k"));
    assertEquals("v", cache.get("k"));
    Thread.sleep(350);
    assertNull(cache.get("k"));
    assertFalse(cache.containsKey("k"));
  }

  @Test
  void accessExpiryMovesOnL1Hits() throws Exception {
    TierCache<String, String> cache = create(new TierCacheConfiguration<String, String>()
        .setTypes(String.class, String.class)
        .setExpiryPolicyFactory(AccessedExpiryPolicy.factoryOf(new Duration(TimeUnit.MILLISECONDS, 600))));
    cache.put("k", "v");
    for (int i = 0; i < 5; i++) {
      assertEquals("v", cache.get("k"), "each read keeps it alive for another 600 ms");
      Thread.sleep(300);
    }
    Thread.sleep(700);
    assertNull(cache.get("k"), "no read for 700 ms: expired");
  }

  @Test
  void theNearCacheCanBeSwitchedOffAndCapped() throws Exception {
    TierCache<String, String> off = create(new TierCacheConfiguration<String, String>()
        .setNearCache(NearCacheSettings.DISABLED).setTypes(String.class, String.class));
    assertTrue(off.nearCache().isEmpty());
    off.put("k", "v");
    assertEquals("v", off.get("k"));
    manager.destroyCache("near");

    TierCache<String, String> capped = create(new TierCacheConfiguration<String, String>()
        .setNearCache(NearCacheSettings.DEFAULTS.withTimeToLiveMillis(200).withMaxEntries(100))
        .setTypes(String.class, String.class));
    capped.put("k", "v");
    awaitInvalidations(capped, 1);
    capped.get("k");
    assertEquals(1, capped.nearCache().orElseThrow().snapshot().size());
    Thread.sleep(300);
    assertEquals(0, capped.nearCache().orElseThrow().snapshot().size(), "gone from L1 after its time-to-live");
    assertEquals("v", capped.get("k"), "and still in L2");
  }

  @Test
  void aLoadedValueIsServedFromL1Afterwards() throws Exception {
    TierCache<String, String> cache = create(new TierCacheConfiguration<String, String>()
        .setTypes(String.class, String.class).setStatisticsEnabled(true).setReadThrough(true)
        .setCacheLoaderFactory(FactoryBuilder.factoryOf(EchoLoader.class)));
    assertEquals("loaded-k", cache.get("k"));
    awaitInvalidations(cache, 1);
    assertEquals("loaded-k", cache.get("k"));
    assertEquals("loaded-k", cache.get("k"));
    assertEquals(1, cache.statistics().getCacheLoads());
    assertEquals(1, cache.statistics().getL1Hits(), "the load, then one L2 read that fills L1, then L1");
  }

  @Test
  void theRepairFindsEveryEntryWhoseInvalidationWasLost() throws Exception {
    TierCache<Integer, String> cache = create(new TierCacheConfiguration<Integer, String>()
        .setNearCache(NearCacheSettings.DEFAULTS.withRepairIntervalMillis(3_600_000)) // only when asked
        .setTypes(Integer.class, String.class));
    int entries = 10_000;
    for (int i = 0; i < entries; i++) {
      cache.put(i, "v" + i);
    }
    NearCache nearCache = cache.nearCache().orElseThrow();
    awaitInvalidations(cache, entries);
    for (int i = 0; i < entries; i++) {
      cache.get(i);
    }
    assertEquals(entries, nearCache.snapshot().size());
    assertEquals(0, nearCache.repairNow(), "nothing is stale yet");
    long verified = nearCache.repairVerified();
    long[] micros = new long[5];
    for (int i = 0; i < micros.length; i++) {
      long start = System.nanoTime();
      assertEquals(0, nearCache.repairNow(), "nothing is stale yet");
      micros[i] = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start);
    }
    System.out.printf("near cache repair of %,d entries with nothing stale, five in a row: %s us%n", entries,
        java.util.Arrays.toString(micros));
    assertEquals(verified, nearCache.repairVerified(), "every invalidation was heard: no entry is verified");

    // Change 100 entries in L2 while every invalidation message is lost (written straight to the map,
    // so that this member's own read-your-writes rule does not drop them either).
    @SuppressWarnings("unchecked")
    com.hazelcast.map.IMap<Object, dev.tiercache.cluster.CacheRecord> map = cache.unwrap(com.hazelcast.map.IMap.class);
    com.hazelcast.internal.serialization.SerializationService serialization =
        ((com.hazelcast.spi.impl.SerializationServiceSupport) cache.unwrap(com.hazelcast.core.HazelcastInstance.class))
            .getSerializationService();
    NearCache.dropInvalidations(1.0);
    try {
      for (int i = 0; i < 100; i++) {
        com.hazelcast.internal.serialization.Data key = serialization.toData(i * 100);
        dev.tiercache.cluster.CacheRecord old = map.get(key);
        map.set(key, new dev.tiercache.cluster.CacheRecord(serialization.toData("changed").toByteArray(),
            old.expiresAt(), old.version() + 1));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (nearCache.droppedInvalidations() < 100 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(100, nearCache.droppedInvalidations());
    } finally {
      NearCache.dropInvalidations(0);
    }
    assertEquals("v0", cache.get(0), "stale: its invalidation was lost");

    long start = System.nanoTime();
    // The first repair after the changes reads their numbers; the second finds them unheard and verifies.
    int dropped = nearCache.repairNow() + nearCache.repairNow();
    System.out.printf("near cache repair: verified %,d entries in %,d us, dropped %d stale%n",
        nearCache.repairVerified() - verified, TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start), dropped);
    assertEquals(100, dropped, "exactly the entries whose change was not announced");
    assertEquals("changed", cache.get(0));
    assertEquals("v1", cache.get(1));
  }

  /**
   * The near caches of a member ask the owners for their partitions' word together: one question per
   * member and round for all of them, not one per cache (five caches here, repaired every 100 ms).
   */
  @Test
  void nearCachesOfOneMemberShareTheirQuestionToTheOwners() throws InterruptedException {
    java.util.List<TierCache<String, String>> caches = new java.util.ArrayList<>();
    java.util.Set<String> names = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.concurrent.atomic.AtomicInteger questions = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger mostMapsAsked = new java.util.concurrent.atomic.AtomicInteger();
    try {
      for (int i = 0; i < 5; i++) {
        @SuppressWarnings("unchecked")
        TierCache<String, String> cache = manager.createCache("shared-repair-" + i,
            new TierCacheConfiguration<String, String>()
                .setNearCache(NearCacheSettings.DEFAULTS.withRepairIntervalMillis(200))
                .setTypes(String.class, String.class)).unwrap(TierCache.class);
        caches.add(cache);
        names.add(cache.unwrap(com.hazelcast.map.IMap.class).getName());
      }
      dev.tiercache.cluster.PartitionHistories.onAsked = asked -> {
        long mine = java.util.Arrays.stream(asked).filter(names::contains).count();
        if (mine > 0) {
          questions.incrementAndGet();
          mostMapsAsked.accumulateAndGet((int) mine, Math::max);
        }
      };
      long start = System.nanoTime();
      Thread.sleep(2_000);
      long rounds = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) / 100 + 1;
      dev.tiercache.cluster.PartitionHistories.onAsked = null;
      assertEquals(5, mostMapsAsked.get(), "a question covers all five caches");
      assertTrue(questions.get() >= 5 && questions.get() <= rounds,
          "at most one question a round (" + rounds + " rounds): " + questions.get());
    } finally {
      dev.tiercache.cluster.PartitionHistories.onAsked = null;
      caches.forEach(cache -> manager.destroyCache(cache.getName()));
    }
  }

  @Test
  void theConfigurationFileSetsTheNearCache() {
    TiercacheConfig config = ConfigLoader.parse("test", new StringReader(String.join("\n",
        "tiercache:",
        "  defaults:",
        "    near-cache:",
        "      max-entries: 500",
        "      time-to-live: 5m",
        "      repair-interval: 250ms",
        "  caches:",
        "    local-only:",
        "      near-cache:",
        "        enabled: false",
        "")), null);
    assertEquals(new NearCacheSettings(true, 500, 300_000, 250), config.settingsFor("other").nearCache());
    assertEquals(new NearCacheSettings(false, 500, 300_000, 250), config.settingsFor("local-only").nearCache());

    TiercacheConfigException tooOften = assertThrows(TiercacheConfigException.class, () -> ConfigLoader.parse("test",
        new StringReader("tiercache:\n  defaults:\n    near-cache:\n      repair-interval: 5ms\n"), null));
    assertTrue(tooOften.getMessage().contains("line 4"), tooOften.getMessage());
    assertTrue(tooOften.getMessage().contains("tiercache.defaults.near-cache.repair-interval"), tooOften.getMessage());
    TiercacheConfigException unknown = assertThrows(TiercacheConfigException.class, () -> ConfigLoader.parse("test",
        new StringReader("tiercache:\n  defaults:\n    near-cache:\n      size: 5\n"), null));
    assertTrue(unknown.getMessage().contains("near-cache.size"), unknown.getMessage());
  }

  /** Loads "loaded-" + key. */
  public static final class EchoLoader implements javax.cache.integration.CacheLoader<String, String> {
    @Override
    public String load(String key) {
      return "loaded-" + key;
    }

    @Override
    public java.util.Map<String, String> loadAll(Iterable<? extends String> keys) {
      java.util.Map<String, String> values = new java.util.HashMap<>();
      keys.forEach(k -> values.put(k, load(k)));
      return values;
    }
  }

  /** A small mutable value. */
  public static final class Pojo implements java.io.Serializable {
    int id;
    String name;
    java.util.ArrayList<String> tags = new java.util.ArrayList<>();

    Pojo(int id, String name) {
      this.id = id;
      this.name = name;
    }
  }
}
