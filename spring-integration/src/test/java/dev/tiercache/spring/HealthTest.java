package dev.tiercache.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

/** The application's health shows the Tiercache member and its cluster. */
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
}
