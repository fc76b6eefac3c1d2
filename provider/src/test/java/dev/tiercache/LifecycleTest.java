package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.net.URLClassLoader;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.Test;

/** Managers, caches and the embedded member they share. */
class LifecycleTest {

  private final CachingProvider provider = Caching.getCachingProvider();

  @Test
  void theDefaultManagerIsAStandaloneMemberOnLoopback() {
    CacheManager manager = provider.getCacheManager();
    assertEquals(TierCachingProvider.DEFAULT_URI, manager.getURI().toString());
    HazelcastInstance member = manager.unwrap(HazelcastInstance.class);
    assertEquals(1, member.getCluster().getMembers().size());
    assertEquals("127.0.0.1", member.getCluster().getLocalMember().getAddress().getHost());
    assertTrue(member.getConfig().getClusterName().startsWith("tiercache-standalone-"),
        "a standalone member's cluster name is unique, so nothing joins it");
    assertTrue(!member.getConfig().getNetworkConfig().getJoin().getMulticastConfig().isEnabled());
  }

  @Test
  void managersPerClassLoaderShareOneMemberButNotTheirCaches() {
    CacheManager first = provider.getCacheManager();
    ClassLoader other = new URLClassLoader(new java.net.URL[0], getClass().getClassLoader());
    CacheManager second = provider.getCacheManager(null, other);
    assertSame(first, provider.getCacheManager());
    assertNotSame(first, second);
    assertSame(first.unwrap(HazelcastInstance.class), second.unwrap(HazelcastInstance.class));
    Cache<String, String> one = first.createCache("scoped", new MutableConfiguration<>());
    Cache<String, String> two = second.createCache("scoped", new MutableConfiguration<>());
    one.put("k", "first");
    assertNull(two.get("k"), "same name, other class loader: another cache");
    first.destroyCache("scoped");
    second.close();
  }

  @Test
  void unwrapReachesTiercacheAndHazelcastTypes() {
    CacheManager manager = provider.getCacheManager();
    Cache<String, String> cache = manager.createCache("unwrap", new MutableConfiguration<>());
    try {
      assertSame(cache, cache.unwrap(TierCache.class));
      assertSame(manager, manager.unwrap(TierCacheManager.class));
      assertSame(manager.unwrap(HazelcastInstance.class), cache.unwrap(HazelcastInstance.class));
      cache.put("k", "v");
      assertEquals(1, cache.unwrap(IMap.class).size(), "the L2 map behind the cache");
      assertThrows(IllegalArgumentException.class, () -> cache.unwrap(String.class));
    } finally {
      manager.destroyCache("unwrap");
    }
  }

  @Test
  void closingTheProviderStopsTheIdleMemberSoTheJvmCanExit() throws Exception {
    HazelcastInstance member = provider.getCacheManager().unwrap(HazelcastInstance.class);
    provider.close();
    long deadline = System.currentTimeMillis() + 10_000;
    while (member.getLifecycleService().isRunning() && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(!member.getLifecycleService().isRunning(), "the unleased standalone member stopped");
    HazelcastInstance next = provider.getCacheManager().unwrap(HazelcastInstance.class);
    assertTrue(next.getLifecycleService().isRunning(), "the next manager starts a new member");
  }

  @Test
  void aProviderClosedAndReopenedAtOnceReusesTheMember() {
    HazelcastInstance member = provider.getCacheManager().unwrap(HazelcastInstance.class);
    provider.close();
    assertSame(member, provider.getCacheManager().unwrap(HazelcastInstance.class));
  }

  @Test
  void destroyRemovesTheDataAndCloseKeepsIt() {
    CacheManager manager = provider.getCacheManager();
    Cache<String, String> cache = manager.createCache("kept", new MutableConfiguration<>());
    cache.put("k", "v");
    cache.close();
    assertNull(manager.getCache("kept"), "a closed cache is no longer managed");
    Cache<String, String> reopened = manager.createCache("kept", new MutableConfiguration<>());
    assertEquals("v", reopened.get("k"), "closing a cache does not drop its data");
    manager.destroyCache("kept");
    Cache<String, String> recreated = manager.createCache("kept", new MutableConfiguration<>());
    assertNull(recreated.get("k"), "destroying it does");
    manager.destroyCache("kept");
  }
}
