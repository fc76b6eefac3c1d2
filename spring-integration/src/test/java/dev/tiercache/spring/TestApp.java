package dev.tiercache.spring;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;

/** A Spring Boot application as a user writes one: caching enabled, one repository with cache annotations. */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableCaching
public class TestApp {

  @Bean
  public ProductRepository productRepository() {
    return new ProductRepository();
  }

  /** Stands in for a slow database; counts how often each method really runs, across all contexts. */
  public static class ProductRepository {
    static final AtomicInteger LOADS = new AtomicInteger();
    static final AtomicInteger NULL_LOADS = new AtomicInteger();
    static final Map<String, String> DATABASE = new ConcurrentHashMap<>();

    @Cacheable(cacheNames = "products", sync = true)
    public String find(String id) {
      LOADS.incrementAndGet();
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return DATABASE.getOrDefault(id, "product-" + id);
    }

    @Cacheable(cacheNames = "products")
    public String findMaybeMissing(String id) {
      NULL_LOADS.incrementAndGet();
      return null;
    }

    @CachePut(cacheNames = "products", key = "#id")
    public String save(String id, String value) {
      DATABASE.put(id, value);
      return value;
    }

    @CacheEvict(cacheNames = "products")
    public void delete(String id) {
      DATABASE.remove(id);
    }

    static final AtomicInteger ASYNC_LOADS = new AtomicInteger();
    static final AtomicInteger ASYNC_SYNC_LOADS = new AtomicInteger();

    /** Asynchronous and {@code sync}: Spring calls {@code Cache.retrieve(key, loader)}. A slow query. */
    @Cacheable(cacheNames = "products", sync = true)
    public java.util.concurrent.CompletableFuture<String> findAsyncOnce(String id) {
      ASYNC_SYNC_LOADS.incrementAndGet();
      return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          Thread.sleep(300);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return "async-once-" + id;
      });
    }

    @Cacheable(cacheNames = "products")
    public java.util.concurrent.CompletableFuture<String> findAsync(String id) {
      ASYNC_LOADS.incrementAndGet();
      return java.util.concurrent.CompletableFuture.supplyAsync(() -> "async-" + id);
    }
  }

  /** Clears a write-through cache the way an application would. */
  @Bean
  public RowCache rowCache() {
    return new RowCache();
  }

  /** Evicts everything from the "rows" cache. */
  public static class RowCache {
    @CacheEvict(cacheNames = "rows", allEntries = true)
    public void evictAll() {}
  }
}
