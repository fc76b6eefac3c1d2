package dev.tiercache.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.cache.Caching;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.cache.actuate.endpoint.CachesEndpoint;
import org.springframework.cache.CacheManager;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

/** What operations tooling sees: the member's health, and the caches in the caches endpoint. */
class HealthTest {

  @TempDir
  Path dir;

  @Test
  void aRunningStandaloneMemberIsUpWithItsClusterDetails() {
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(TestApp.class)
        .properties("spring.main.banner-mode=off").run()) {
      Health health = context.getBean("tiercacheHealthIndicator", HealthIndicator.class).health(true);
      assertEquals(Status.UP, health.getStatus());
      Map<String, Object> details = health.getDetails();
      assertEquals(1, details.get("members"));
      assertEquals("ACTIVE", details.get("clusterState"));
      assertEquals(true, details.get("partitionsSafe"));
    }
  }

  @Test
  void theCachesEndpointListsTiercacheCaches() {
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(TestApp.class)
        .properties("tiercache.cache-names=products,prices", "spring.main.banner-mode=off").run()) {
      CachesEndpoint endpoint = new CachesEndpoint(context.getBeansOfType(CacheManager.class));
      assertEquals(java.util.Set.of("products", "prices"),
          endpoint.caches().getCacheManagers().get("cacheManager").getCaches().keySet());
      assertEquals("dev.tiercache.TierCache", endpoint.cache("products", "cacheManager").getTarget());
    }
  }

  /**
   * The application is one member of three; the other two leave at once, taking with them the
   * partitions whose both copies (one backup, the default) they held: the health goes down and names
   * the cache and how many partitions it lost.
   */
  @Test
  void aCacheThatLostDataTakesTheHealthDown() throws Exception {
    String cluster = "tiercache-health-test-" + UUID.randomUUID();
    int[] ports = {freePort(), freePort(), freePort()};
    String members = "[127.0.0.1:" + ports[0] + ", 127.0.0.1:" + ports[1] + ", 127.0.0.1:" + ports[2] + "]";
    List<Path> files = new ArrayList<>();
    for (int port : ports) {
      Path file = dir.resolve(cluster + "-" + port + ".yaml");
      Files.writeString(file, "tiercache:\n  cluster:\n    name: " + cluster + "\n    port: " + port
          + "\n    members: " + members + "\n  caches:\n    products:\n");
      files.add(file);
    }
    CachingProvider provider = Caching.getCachingProvider("dev.tiercache.TierCachingProvider");
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(TestApp.class)
        .properties("tiercache.config=" + files.get(0).toUri(), "spring.main.banner-mode=off").run()) {
      List<javax.cache.CacheManager> others = List.of(
          provider.getCacheManager(files.get(1).toUri(), getClass().getClassLoader()),
          provider.getCacheManager(files.get(2).toUri(), getClass().getClassLoader()));
      others.forEach(manager -> manager.getCache("products"));
      org.springframework.cache.Cache products = context.getBean(CacheManager.class).getCache("products");
      for (int i = 0; i < 1_000; i++) {
        products.put("p" + i, "product " + i);
      }
      HealthIndicator indicator = context.getBean("tiercacheHealthIndicator", HealthIndicator.class);
      assertEquals(Status.UP, indicator.health(true).getStatus());

      others.forEach(manager -> manager.unwrap(HazelcastInstance.class).getLifecycleService().terminate());
      // The loss reaches the cache first (asked here without the indicator: its cluster-safety question
      // may wait on the members just gone until Hazelcast gives them up).
      dev.tiercache.TierCache<?, ?> cache = (dev.tiercache.TierCache<?, ?>) products.getNativeCache();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (cache.lostPartitions() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      Health health = indicator.health(true);
      assertEquals(Status.DOWN, health.getStatus(), health.toString());
      @SuppressWarnings("unchecked")
      Map<String, Long> lost = (Map<String, Long>) health.getDetails().get("partitionsLost");
      assertTrue(lost.get("products") > 0, health.toString());
    } finally {
      provider.close();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
