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
      // The cluster announces the save a moment after it returns, and that drops m1 from the near
      // cache again: wait for it, so that the first find fills L1 for good.
      dev.tiercache.nearcache.NearCache nearCache = ((TiercacheCache) context.getBean(
          org.springframework.cache.CacheManager.class).getCache("products")).getNativeCache().nearCache().orElseThrow();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (nearCache.invalidations() < 1 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      repository.find("m1");
      repository.find("m1");
      repository.find("m2");
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      assertEquals(2.0, registry.get("cache.gets").tag("cache", "products").tag("result", "hit")
          .functionCounter().count());
      assertEquals(2.0, registry.get("cache.puts").tag("cache", "products").functionCounter().count(),
          "the @CachePut and the load of m2");
      assertEquals(1.0, registry.get("cache.tier.gets").tag("cache", "products").tag("tier", "l2")
          .functionCounter().count(), "the first find of m1 read L2 and kept the value in L1");
      assertEquals(1.0, registry.get("cache.tier.gets").tag("cache", "products").tag("tier", "l1")
          .functionCounter().count(), "the second find of m1");
      assertEquals(1.0, registry.get("cache.tier.gets").tag("cache", "products").tag("tier", "load")
          .functionCounter().count(), "m2 came from the method");
      assertEquals(2.0, registry.get("cache.size").tag("cache", "products").gauge().value());
    }
  }
}
