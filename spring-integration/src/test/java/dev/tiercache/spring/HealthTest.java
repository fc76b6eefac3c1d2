package dev.tiercache.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.cache.actuate.endpoint.CachesEndpoint;
import org.springframework.cache.CacheManager;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

/** What operations tooling sees: the member's health, and the caches in the caches endpoint. */
class HealthTest {

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
}
