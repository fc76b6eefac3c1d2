package dev.tiercache.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.integration.CacheLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tiercache's meters without Spring: bound to a plain Prometheus registry, scraped as text. The lines
 * asserted here are the ones docs/configuration.md shows.
 */
class TiercacheMetricsTest {

  private final CacheManager manager = Caching.getCachingProvider().getCacheManager();

  @AfterEach
  void destroy() {
    manager.destroyCache("orders");
  }

  /** Answers "order-" + key for any key. */
  public static final class OrderLoader implements CacheLoader<String, String> {
    @Override
    public String load(String key) {
      return "order-" + key;
    }

    @Override
    public java.util.Map<String, String> loadAll(Iterable<? extends String> keys) {
      java.util.Map<String, String> loaded = new java.util.HashMap<>();
      keys.forEach(key -> loaded.put(key, load(key)));
      return loaded;
    }
  }

  @Test
  void aPlainJavaApplicationScrapesTheCacheAndTierMeters() {
    Cache<String, String> orders = manager.createCache("orders", new MutableConfiguration<String, String>()
        .setTypes(String.class, String.class).setReadThrough(true)
        .setCacheLoaderFactory(FactoryBuilder.factoryOf(OrderLoader.class)));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    TiercacheMetrics.monitor(registry, orders, "app", "shop");
    orders.put("o1", "order-o1");
    orders.get("o1"); // hit, from L2 (the put dropped it from L1) or from L1 (this read filled it)
    orders.get("o1"); // hit
    orders.get("o2"); // miss, loaded
    orders.get("o2"); // hit

    String scraped = registry.scrape();
    for (String line : new String[] {
        "cache_gets_total{app=\"shop\",cache=\"orders\",result=\"hit\"} 3.0",
        "cache_gets_total{app=\"shop\",cache=\"orders\",result=\"miss\"} 1.0",
        "cache_puts_total{app=\"shop\",cache=\"orders\"} 1.0",
        "cache_evictions_total{app=\"shop\",cache=\"orders\"} 0.0",
        "cache_size{app=\"shop\",cache=\"orders\"} 2.0",
        "cache_tier_gets_total{app=\"shop\",cache=\"orders\",tier=\"load\"} 1.0",
        "cache_partitions_lost_total{app=\"shop\",cache=\"orders\"} 0.0"}) {
      assertTrue(scraped.contains(line), "scraped:\n" + scraped + "\nmissing: " + line);
    }
    // Which tier answers a hit depends on when the put's own invalidation reaches the near cache.
    assertTrue(scraped.contains("cache_tier_gets_total{app=\"shop\",cache=\"orders\",tier=\"l1\"}"), scraped);
    double l1 = registry.get("cache.tier.gets").tag("tier", "l1").functionCounter().count();
    double l2 = registry.get("cache.tier.gets").tag("tier", "l2").functionCounter().count();
    assertEquals(3.0, l1 + l2, "every hit is counted in one tier: l1 " + l1 + ", l2 " + l2);
  }

  @Test
  void anotherProvidersCacheIsRefused() {
    @SuppressWarnings("unchecked")
    Cache<String, String> foreign = (Cache<String, String>) java.lang.reflect.Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {Cache.class}, (proxy, method, args) -> switch (method.getName()) {
          case "getName" -> "foreign";
          case "unwrap" -> throw new IllegalArgumentException("not a " + args[0]);
          default -> throw new UnsupportedOperationException(method.getName());
        });
    assertThrows(IllegalArgumentException.class, () -> TiercacheMetrics.monitor(
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), foreign));
  }
}
