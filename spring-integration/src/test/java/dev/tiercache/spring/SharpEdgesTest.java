package dev.tiercache.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.integration.CacheWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.CachingConfigurer;
import org.springframework.cache.interceptor.CacheErrorHandler;
import org.springframework.cache.interceptor.SimpleCacheErrorHandler;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/** The places where caches in Spring usually cut users, on the native route. */
class SharpEdgesTest {

  @BeforeEach
  void reset() {
    TestApp.ProductRepository.LOADS.set(0);
    TestApp.ProductRepository.ASYNC_LOADS.set(0);
    CountingWriter.DELETES.set(0);
    RecordingErrorHandler.GET_ERRORS.set(0);
  }

  private static ConfigurableApplicationContext start(Class<?> app, String... properties) {
    return new SpringApplicationBuilder(app).properties(properties).properties("spring.main.banner-mode=off").run();
  }

  /** Counts the deletes a cache writer is asked for. */
  public static final class CountingWriter implements CacheWriter<Object, Object>, Serializable {
    static final AtomicInteger DELETES = new AtomicInteger();

    @Override
    public void write(javax.cache.Cache.Entry<?, ?> entry) {}

    @Override
    public void writeAll(Collection<javax.cache.Cache.Entry<?, ?>> entries) {
      entries.clear();
    }

    @Override
    public void delete(Object key) {
      DELETES.incrementAndGet();
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      DELETES.addAndGet(keys.size());
      keys.clear();
    }
  }

  @Test
  void evictingAllEntriesOfAWriteThroughCacheDeletesNoRows() {
    try (ConfigurableApplicationContext context = start(TestApp.class)) {
      TiercacheCacheManager manager = context.getBean(TiercacheCacheManager.class);
      manager.getJCacheManager().createCache("rows", new MutableConfiguration<Object, Object>()
          .setWriteThrough(true).setCacheWriterFactory(FactoryBuilder.factoryOf(CountingWriter.class)));
      Cache rows = manager.getCache("rows");
      rows.put("r1", "one");
      rows.put("r2", "two");
      context.getBean(TestApp.RowCache.class).evictAll();
      assertNull(rows.get("r1"), "the cache is empty");
      assertEquals(0, CountingWriter.DELETES.get(), "and no row was deleted");
    }
  }

  @Test
  void anAsyncCacheableIsServedFromTheCacheTheSecondTime() throws Exception {
    try (ConfigurableApplicationContext context = start(TestApp.class)) {
      TestApp.ProductRepository repository = context.getBean(TestApp.ProductRepository.class);
      assertEquals("async-a1", repository.findAsync("a1").get());
      assertEquals("async-a1", repository.findAsync("a1").get());
      assertEquals(1, TestApp.ProductRepository.ASYNC_LOADS.get());
    }
  }

  @Test
  void anUnknownCacheNameStopsStartUpNamingIt() {
    Exception e = assertThrows(Exception.class, () -> start(TestApp.class,
        "tiercache.create-missing-caches=false", "tiercache.cache-names=rows").close());
    String message = rootMessage(e);
    assertTrue(message.contains("products"), message);
    assertTrue(message.contains("findMaybeMissing") || message.contains("find"), message);
    try (ConfigurableApplicationContext ok = start(TestApp.class,
        "tiercache.create-missing-caches=false", "tiercache.cache-names=rows,products")) {
      assertNotNull(ok.getBean(CacheManager.class).getCache("products"));
    }
  }

  /** Records cache get errors and lets the method run, as an application's error handler might. */
  static final class RecordingErrorHandler extends SimpleCacheErrorHandler {
    static final AtomicInteger GET_ERRORS = new AtomicInteger();

    @Override
    public void handleCacheGetError(RuntimeException exception, Cache cache, Object key) {
      GET_ERRORS.incrementAndGet();
    }
  }

  /** The test application with an error handler. */
  @SpringBootConfiguration
  @Import(TestApp.class)
  static class AppWithErrorHandler {
    @Bean
    CachingConfigurer cachingConfigurer() {
      return new CachingConfigurer() {
        @Override
        public CacheErrorHandler errorHandler() {
          return new RecordingErrorHandler();
        }
      };
    }
  }

  @Test
  void theErrorHandlerIsHonouredOnTheSyncPath() {
    try (ConfigurableApplicationContext context = start(AppWithErrorHandler.class)) {
      TestApp.ProductRepository repository = context.getBean(TestApp.ProductRepository.class);
      assertEquals("product-e1", repository.find("e1"));
      TiercacheCacheManager manager = context.getBean(TiercacheCacheManager.class);
      manager.getJCacheManager().getCache("products").close(); // the cache fails from now on
      assertEquals("product-e2", repository.find("e2"), "the method still answers");
      assertEquals(1, RecordingErrorHandler.GET_ERRORS.get(), "and the error handler heard of the failure");
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }
}
