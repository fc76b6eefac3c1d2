package dev.tiercache.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tiercache.TierCache;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code TiercacheCache.retrieve(key, loader)} on its own: the value, and the loader's failure as it is. */
class RetrieveTest {

  private final CacheManager manager = Caching.getCachingProvider().getCacheManager();

  @AfterEach
  void destroy() {
    manager.destroyCache("retrieve");
  }

  @SuppressWarnings("unchecked")
  private TiercacheCache cache() {
    return new TiercacheCache(manager.createCache("retrieve", new MutableConfiguration<>()).unwrap(TierCache.class),
        true);
  }

  @Test
  void aFailingLoaderFailsTheFutureWithItsOwnException() throws Exception {
    TiercacheCache cache = cache();
    IllegalStateException down = new IllegalStateException("service down");
    CompletableFuture<String> failed = cache.retrieve("k", () -> CompletableFuture.failedFuture(down));
    ExecutionException e = assertThrows(ExecutionException.class, () -> failed.get(10, TimeUnit.SECONDS));
    assertSame(down, e.getCause(), "not wrapped in the cache's CacheLoaderException");
    assertEquals("v", cache.retrieve("k", () -> CompletableFuture.completedFuture("v")).get(10, TimeUnit.SECONDS),
        "the next call loads again");
    assertEquals("v", cache.retrieve("k", () -> CompletableFuture.completedFuture("other")).get(10, TimeUnit.SECONDS));
  }
}
