package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tiercache.config.TiercacheConfigException;
import java.net.URI;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A URI that locates no file is a name: {@code getCacheManager(URI.create("my-app"))} gives a manager of its
 * own with the default configuration, whose caches are apart from the default manager's and from any other
 * name's, and which closes on its own.
 */
class OpaqueUriTest {

  private final CachingProvider provider = Caching.getCachingProvider();

  @AfterEach
  void closeAll() {
    for (String uri : new String[] {"my-app", "urn:orders", "tiercache:default"}) {
      provider.close(URI.create(uri), null);
    }
  }

  private static MutableConfiguration<String, String> strings() {
    return new MutableConfiguration<String, String>().setTypes(String.class, String.class);
  }

  @Test
  void anOpaqueUriNamesAManagerOfItsOwnWhoseCachesAreApart() {
    CacheManager app = provider.getCacheManager(URI.create("my-app"), null);
    CacheManager orders = provider.getCacheManager(URI.create("urn:orders"), null);
    CacheManager standard = provider.getCacheManager();
    assertSame(app, provider.getCacheManager(URI.create("my-app"), null), "one manager per URI");
    assertNotSame(app, standard);
    assertEquals(URI.create("my-app"), app.getURI());

    Cache<String, String> inApp = app.createCache("x", strings());
    Cache<String, String> inOrders = orders.createCache("x", strings());
    Cache<String, String> inDefault = standard.createCache("x", strings());
    inApp.put("k", "app");
    inOrders.put("k", "orders");
    assertNull(inDefault.get("k"), "the default manager's cache x is another cache");
    assertEquals("app", inApp.get("k"));
    assertEquals("orders", inOrders.get("k"));
    assertEquals(app.unwrap(TierCacheManager.class).hazelcastInstance(),
        standard.unwrap(TierCacheManager.class).hazelcastInstance(), "the same default configuration, one member");

    app.close();
    assertTrue(app.isClosed());
    assertThrows(IllegalStateException.class, () -> inApp.get("k"));
    assertFalse(standard.isClosed(), "closing one manager leaves the others open");
    assertEquals("orders", inOrders.get("k"));
    inDefault.put("k", "default");
    assertEquals("default", inDefault.get("k"));

    CacheManager again = provider.getCacheManager(URI.create("my-app"), null);
    assertNotSame(app, again, "a closed manager's URI gives a new one");
    assertEquals("app", again.createCache("x", strings()).get("k"), "its cache data is the cluster's, kept");
  }

  @Test
  void aLocationThatDoesNotResolveStillFailsClearly() {
    TiercacheConfigException missing = assertThrows(TiercacheConfigException.class,
        () -> provider.getCacheManager(URI.create("classpath:no-such-tiercache.yaml"), null));
    assertTrue(missing.getMessage().contains("no-such-tiercache.yaml"), missing.getMessage());
    TiercacheConfigException fileName = assertThrows(TiercacheConfigException.class,
        () -> provider.getCacheManager(URI.create("config/tiercache.yaml"), null));
    assertTrue(fileName.getMessage().contains("names no file: use classpath:config/tiercache.yaml or "
        + "file:config/tiercache.yaml"), fileName.getMessage());
    TiercacheConfigException typo = assertThrows(TiercacheConfigException.class,
        () -> provider.getCacheManager(URI.create("classpth:tiercache.yaml"), null));
    assertTrue(typo.getMessage().contains("names no file this JVM can open (scheme 'classpth')"), typo.getMessage());
  }
}
