package dev.tiercache.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** With Micrometer present, each Tiercache cache gets Micrometer's standard cache meters. */
class MetricsTest {

  @Test
  void cacheGetsAndPutsAreMetered() {
    TestApp.ProductRepository.LOADS.set(0);
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(TestApp.class)
        .properties("tiercache.cache-names=products", "spring.main.banner-mode=off").run()) {
      TestApp.ProductRepository repository = context.getBean(TestApp.ProductRepository.class);
      repository.save("m1", "v");
      repository.find("m1");
      repository.find("m1");
      repository.find("m2");
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      assertEquals(2.0, registry.get("cache.gets").tag("cache", "products").tag("result", "hit")
          .functionCounter().count());
      assertEquals(2.0, registry.get("cache.puts").tag("cache", "products").functionCounter().count(),
          "the @CachePut and the load of m2");
      assertEquals(2.0, registry.get("cache.tier.gets").tag("cache", "products").tag("tier", "l2")
          .functionCounter().count());
      assertEquals(1.0, registry.get("cache.tier.gets").tag("cache", "products").tag("tier", "load")
          .functionCounter().count(), "m2 came from the method");
      assertEquals(2.0, registry.get("cache.size").tag("cache", "products").gauge().value());
    }
  }
}
