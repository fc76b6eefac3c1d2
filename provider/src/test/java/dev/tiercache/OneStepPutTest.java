package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A plain put on a cache with no writer and no listeners runs as one step on the key's owner. It must
 * still be ordered with the locked operations on the same key, and listeners registered later must
 * see every put from then on.
 */
class OneStepPutTest {

  private final CacheManager manager = Caching.getCachingProvider().getCacheManager();

  @AfterEach
  void tearDown() {
    manager.destroyCache("one-step");
  }

  @Test
  void aPutWaitsForAnEntryProcessorRunningOnTheSameKey() throws Exception {
    Cache<String, Integer> cache = manager.createCache("one-step",
        new MutableConfiguration<String, Integer>().setTypes(String.class, Integer.class));
    cache.put("k", 0);
    CountDownLatch insideProcessor = new CountDownLatch(1);
    CompletableFuture<Void> slowIncrement = CompletableFuture.runAsync(() -> cache.invoke("k", (entry, args) -> {
      insideProcessor.countDown();
      int seen = entry.getValue();
      sleep(300);
      entry.setValue(seen + 1);
      return null;
    }));
    assertTrue(insideProcessor.await(5, TimeUnit.SECONDS));
    cache.put("k", 100); // must not land between the processor's read and its write
    slowIncrement.get(5, TimeUnit.SECONDS);
    assertEquals(100, cache.get("k"), "the put ran after the processor, not in the middle of it");
  }

  static final AtomicInteger CREATED = new AtomicInteger();

  /** Counts CREATED events. */
  public static final class CreatedCounter implements CacheEntryCreatedListener<String, Integer>, Serializable {
    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends Integer>> events) {
      events.forEach(e -> CREATED.incrementAndGet());
    }
  }

  @Test
  void aListenerRegisteredLaterSeesEveryPutFromThenOn() {
    Cache<String, Integer> cache = manager.createCache("one-step",
        new MutableConfiguration<String, Integer>().setTypes(String.class, Integer.class));
    cache.put("before", 1);
    CREATED.set(0);
    cache.registerCacheEntryListener(new MutableCacheEntryListenerConfiguration<>(
        FactoryBuilder.factoryOf(CreatedCounter.class), null, false, true));
    for (int i = 0; i < 10; i++) {
      cache.put("after-" + i, i);
    }
    assertEquals(10, CREATED.get());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
