package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.integration.CacheLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache directory on two members: a cache created on A is found, listed and opened by B with A's
 * configuration; the same name with other settings is refused with the differences named; a destroy on
 * one member closes the cache on the other; the listing goes with its last holder, even a dead one.
 */
class CacheDirectoryTest {

  @RegisterExtension
  static final TestCluster.PerClass cluster = new TestCluster.PerClass(2);

  private static final String NAME = "directory";

  @AfterEach
  void destroy() {
    for (int i = 0; i < cluster.size(); i++) {
      cluster.manager(i).destroyCache(NAME);
    }
  }

  private static MutableConfiguration<String, String> strings() {
    return new MutableConfiguration<String, String>().setTypes(String.class, String.class);
  }

  private static Set<String> names(CacheManager manager) {
    Set<String> names = new HashSet<>();
    manager.getCacheNames().forEach(names::add);
    return names;
  }

  @Test
  void aCacheCreatedOnAIsFoundListedAndOpenedOnB() {
    CacheManager a = cluster.manager(0);
    CacheManager b = cluster.manager(1);
    assertNull(b.getCache(NAME));
    Cache<String, String> onA = a.createCache(NAME, strings()
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.MINUTES, 5))));
    onA.put("k", "v");
    assertTrue(names(b).contains(NAME), "listed on B as soon as createCache returned on A");
    Cache<String, String> onB = b.getCache(NAME, String.class, String.class);
    assertNotNull(onB, "opened on B");
    assertSame(onB, b.getCache(NAME), "one instance per manager");
    assertEquals("v", onB.get("k"));
    @SuppressWarnings("unchecked")
    TierCacheConfiguration<String, String> seen = onB.getConfiguration(TierCacheConfiguration.class);
    assertEquals(new Duration(TimeUnit.MINUTES, 5), seen.getExpiryPolicyFactory().create().getExpiryForCreation(),
        "B's instance has A's configuration");
    assertThrows(ClassCastException.class, () -> b.getCache(NAME, Integer.class, String.class));
  }

  @Test
  void theSameNameWithOtherSettingsIsRefusedAndTheSameSettingsJoin() {
    CacheManager a = cluster.manager(0);
    CacheManager b = cluster.manager(1);
    a.createCache(NAME, strings().setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(Duration.ONE_MINUTE)));
    CacheException e = assertThrows(CacheException.class, () -> b.createCache(NAME, strings()));
    assertTrue(e.getMessage().contains("expiry there CreatedExpiryPolicy(creation 1 minutes"), e.getMessage());
    assertTrue(e.getMessage().contains("here EternalExpiryPolicy(creation eternal"), e.getMessage());
    CacheException types = assertThrows(CacheException.class, () -> b.createCache(NAME,
        new MutableConfiguration<String, Long>().setTypes(String.class, Long.class)
            .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(Duration.ONE_MINUTE))));
    assertTrue(types.getMessage().contains("value type there java.lang.String, here java.lang.Long"), types.getMessage());

    Cache<String, String> joined = b.createCache(NAME,
        strings().setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(Duration.ONE_MINUTE)));
    joined.put("k", "from B");
    assertEquals("from B", a.getCache(NAME, String.class, String.class).get("k"));
    assertThrows(CacheException.class, () -> b.createCache(NAME, strings()), "twice in one manager still fails");
  }

  @Test
  void aDestroyOnOneMemberClosesTheCacheOnTheOther() throws Exception {
    CacheManager a = cluster.manager(0);
    CacheManager b = cluster.manager(1);
    a.createCache(NAME, strings()).put("k", "v");
    Cache<String, String> onB = b.getCache(NAME, String.class, String.class);
    assertEquals("v", onB.get("k"));
    long start = System.nanoTime();
    a.destroyCache(NAME);
    await(onB::isClosed, "B's instance closes");
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(millis < 5_000, "closed within " + millis + " ms");
    assertThrows(IllegalStateException.class, () -> onB.get("k"));
    assertNull(b.getCache(NAME));
    assertFalse(names(b).contains(NAME));

    Cache<String, String> again = a.createCache(NAME, strings());
    assertNull(again.get("k"), "created again, empty");
    Cache<String, String> againOnB = b.getCache(NAME, String.class, String.class);
    assertFalse(againOnB.isClosed(), "the late news of the first one closed nothing");
  }

  @Test
  void theListingGoesWithItsLastHolder() {
    CacheManager a = cluster.manager(0);
    CacheManager b = cluster.manager(1);
    Cache<String, String> onA = a.createCache(NAME, strings());
    Cache<String, String> onB = b.getCache(NAME, String.class, String.class);
    onA.close();
    assertTrue(names(a).contains(NAME), "B still holds it");
    onB.close();
    assertFalse(names(a).contains(NAME));
    assertNull(a.getCache(NAME), "nobody holds it: the name is free");
    a.createCache(NAME, new MutableConfiguration<String, Long>().setTypes(String.class, Long.class));
  }

  @Test
  void aDeadHolderLeavesNothingBehind(@TempDir Path dir) throws Exception {
    try (TestCluster two = TestCluster.start(dir, 2)) {
      CacheManager a = two.manager(0);
      CacheManager b = two.manager(1);
      Cache<String, String> onA = a.createCache(NAME, strings());
      b.getCache(NAME, String.class, String.class);
      b.unwrap(HazelcastInstance.class).getLifecycleService().terminate();
      await(() -> a.unwrap(HazelcastInstance.class).getCluster().getMembers().size() == 1, "B has left");
      onA.close();
      assertNull(a.getCache(NAME), "B's holding died with it");
      a.createCache(NAME, new MutableConfiguration<String, Long>().setTypes(String.class, Long.class));
    }
  }

  /**
   * A configuration that cannot travel: B does not find the cache (as if unlisted, rather than failing every
   * lookup, which Spring's cache manager would turn into a failed {@code @Cacheable}), and B's own createCache
   * with the same settings joins it.
   */
  @Test
  void aConfigurationThatCannotTravelIsNotFoundElsewhereAndJoinedByCreateCache() {
    CacheManager a = cluster.manager(0);
    CacheManager b = cluster.manager(1);
    a.createCache(NAME, strings().setReadThrough(true)
        .setCacheLoaderFactory(FactoryBuilder.factoryOf(new LocalLoader()))).put("k", "v");
    assertNull(b.getCache(NAME));
    Cache<String, String> onB = b.createCache(NAME, strings().setReadThrough(true)
        .setCacheLoaderFactory(FactoryBuilder.factoryOf(new LocalLoader())));
    assertEquals("v", onB.get("k"), "the same cache");
  }

  /** A loader that holds something that does not serialize (a thread), as an application's might. */
  static final class LocalLoader implements CacheLoader<String, String>, java.io.Serializable {
    private final Object resource = new Thread();

    @Override
    public String load(String key) {
      return resource.getClass().getSimpleName();
    }

    @Override
    public java.util.Map<String, String> loadAll(Iterable<? extends String> keys) {
      return java.util.Map.of();
    }
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      assertTrue(System.currentTimeMillis() < deadline, what);
      Thread.sleep(10);
    }
  }
}
