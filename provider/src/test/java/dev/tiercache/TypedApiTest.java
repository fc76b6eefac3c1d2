package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code TierCache.of}: the Tiercache API with the cache's own types, from any {@code javax.cache.Cache}. */
class TypedApiTest {

  private final CacheManager manager = Caching.getCachingProvider().getCacheManager();

  @AfterEach
  void tearDown() {
    manager.destroyCache("typed");
  }

  @Test
  void aTiercacheCacheGivesItsTypedApiWithoutACast() {
    Cache<String, Integer> cache = manager.createCache("typed",
        new MutableConfiguration<String, Integer>().setTypes(String.class, Integer.class));
    TierCache<String, Integer> tiercache = TierCache.of(cache);
    assertSame(cache, tiercache);
    tiercache.put("k", 1, Duration.ofMinutes(5));
    int loaded = tiercache.get("other", key -> key.length());
    assertEquals(5, loaded);
    assertEquals(1, TierCache.of(manager.getCache("typed", String.class, Integer.class)).get("k"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void anotherProvidersCacheIsNamed() {
    Cache<String, Integer> foreign = (Cache<String, Integer>) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {Cache.class}, (proxy, method, args) -> switch (method.getName()) {
          case "getName" -> "elsewhere";
          case "unwrap" -> throw new IllegalArgumentException("cannot unwrap");
          default -> throw new UnsupportedOperationException(method.getName());
        });
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TierCache.of(foreign));
    assertTrue(e.getMessage().contains("elsewhere") && e.getMessage().contains("not a Tiercache cache"),
        e.getMessage());
    assertThrows(NullPointerException.class, () -> TierCache.of(null));
  }
}
