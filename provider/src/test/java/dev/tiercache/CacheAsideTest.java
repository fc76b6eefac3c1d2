package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.integration.CacheLoaderException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The seed's cache-aside written by hand, on two members, with {@code TierCache.get(key, function)} and
 * no configured loader: one query per miss cluster-wide, and the race of a delete with the query (the
 * row changes and the cache entry is removed while a reader holds the old row) leaves no stale value.
 * The same race with the plain get-miss-query-put leaves the stale value on both members, which is why
 * the function form is the documented one.
 */
class CacheAsideTest {

  @RegisterExtension
  static final TestCluster.PerClass cluster = new TestCluster.PerClass(2);

  @AfterEach
  void destroy() {
    for (int i = 0; i < cluster.size(); i++) {
      cluster.manager(i).destroyCache("aside");
    }
  }

  @SuppressWarnings("unchecked")
  private static List<TierCache<String, String>> open() {
    List<TierCache<String, String>> caches = new ArrayList<>();
    for (int i = 0; i < cluster.size(); i++) {
      caches.add(cluster.manager(i).createCache("aside", new MutableConfiguration<String, String>()
          .setTypes(String.class, String.class).setStatisticsEnabled(true)).unwrap(TierCache.class));
    }
    return caches;
  }

  @Test
  void sixteenCallersOnTwoMembersMissingOneKeyRunTheQueryOnce() throws Exception {
    List<TierCache<String, String>> caches = open();
    AtomicInteger queries = new AtomicInteger();
    CyclicBarrier start = new CyclicBarrier(16);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<String>> gets = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        TierCache<String, String> cache = caches.get(t % 2);
        gets.add(pool.submit(() -> {
          start.await();
          return cache.get("user:1", key -> {
            queries.incrementAndGet();
            sleep(300);
            return "row of " + key;
          });
        }));
      }
      for (Future<String> get : gets) {
        assertEquals("row of user:1", get.get(30, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, queries.get(), "16 misses on 2 members, one query");
    assertEquals(1, caches.get(0).statistics().getCacheLoads() + caches.get(1).statistics().getCacheLoads());
    assertEquals("row of user:1", caches.get(1).get("user:1", key -> "queried again"), "now a hit");
  }

  /**
   * The asynchronous form: 64 callers on two members miss at once, each handing a future that takes 300 ms;
   * one query, and the callers hold no thread while they wait (they are all issued from one thread here).
   */
  @Test
  void asyncCallersOnTwoMembersMissingOneKeyRunTheQueryOnce() throws Exception {
    List<TierCache<String, String>> caches = open();
    AtomicInteger queries = new AtomicInteger();
    List<CompletableFuture<String>> gets = new ArrayList<>();
    for (int t = 0; t < 64; t++) {
      gets.add(caches.get(t % 2).getAsync("user:2", key -> {
        queries.incrementAndGet();
        return CompletableFuture.supplyAsync(() -> {
          sleep(300);
          return "row of " + key;
        });
      }));
    }
    for (CompletableFuture<String> get : gets) {
      assertEquals("row of user:2", get.get(30, TimeUnit.SECONDS));
    }
    assertEquals(1, queries.get(), "64 misses on 2 members, one query");
    assertEquals("row of user:2", caches.get(1).getAsync("user:2", key -> {
      throw new AssertionError("a hit loads nothing");
    }).get(10, TimeUnit.SECONDS));
    assertEquals(1, caches.get(0).statistics().getCacheLoads() + caches.get(1).statistics().getCacheLoads());
  }

  @Test
  void anAsyncLoadThatFailsFailsItsCallersAndTheNextCallTriesAgain() throws Exception {
    List<TierCache<String, String>> caches = open();
    IllegalStateException down = new IllegalStateException("database down");
    CompletableFuture<String> failed = caches.get(0).getAsync("k", key -> CompletableFuture.failedFuture(down));
    java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
        () -> failed.get(10, TimeUnit.SECONDS));
    assertInstanceOf(CacheLoaderException.class, e.getCause());
    assertSame(down, e.getCause().getCause());
    assertFalse(caches.get(1).containsKey("k"));
    assertEquals("v", caches.get(1).getAsync("k", key -> CompletableFuture.completedFuture("v"))
        .get(10, TimeUnit.SECONDS));
    assertEquals("v", caches.get(0).get("k"));
    assertThrows(NullPointerException.class, () -> caches.get(0).getAsync("k", null));
  }

  /**
   * A reads the old row inside its function; B then updates the row and removes the cache entry. B's
   * remove waits for A's store, so it removes what A stored: after both, no member serves the old row.
   */
  @Test
  void aDeleteThatRacesTheQueryLeavesNoStaleValue() throws Exception {
    List<TierCache<String, String>> caches = open();
    AtomicReference<String> row = new AtomicReference<>("old");
    CountDownLatch queried = new CountDownLatch(1);
    CountDownLatch rowUpdated = new CountDownLatch(1);
    CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> caches.get(0).get("user:1", key -> {
      String read = row.get();
      queried.countDown();
      await(rowUpdated); // the writer changes the row now, after this read
      return read;
    }));
    assertTrue(queried.await(10, TimeUnit.SECONDS));
    row.set("new");
    rowUpdated.countDown();
    caches.get(1).remove("user:1"); // waits for the reader's store, then removes it
    assertEquals("old", reader.get(10, TimeUnit.SECONDS), "the reader returns what it read");
    for (TierCache<String, String> cache : caches) {
      assertNull(cache.getIfPresent("user:1"), "the old row survives on no member");
    }
    for (TierCache<String, String> cache : caches) {
      assertEquals("new", cache.get("user:1", key -> row.get()), "the next read loads the new row");
    }
  }

  /** The same interleaving with the plain cache-aside of the seed: the stale value stays, on both members. */
  @Test
  void thePlainGetMissQueryPutLeavesTheStaleValue() throws Exception {
    List<TierCache<String, String>> caches = open();
    AtomicReference<String> row = new AtomicReference<>("old");
    CountDownLatch queried = new CountDownLatch(1);
    CountDownLatch removed = new CountDownLatch(1);
    CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
      if (caches.get(0).get("user:1") == null) {
        String read = row.get();
        queried.countDown();
        await(removed);
        caches.get(0).put("user:1", read);
      }
    });
    assertTrue(queried.await(10, TimeUnit.SECONDS));
    row.set("new");
    caches.get(1).remove("user:1");
    removed.countDown();
    reader.get(10, TimeUnit.SECONDS);
    for (TierCache<String, String> cache : caches) {
      assertEquals("old", cache.get("user:1"), "stale: the row is 'new'");
    }
  }

  @Test
  void aFailingFunctionFailsItsCallerAndTheNextCallTriesAgain() {
    List<TierCache<String, String>> caches = open();
    IllegalStateException down = new IllegalStateException("database down");
    CacheLoaderException e = assertThrows(CacheLoaderException.class, () -> caches.get(0).get("k", key -> {
      throw down;
    }));
    assertSame(down, e.getCause());
    assertFalse(caches.get(1).containsKey("k"));
    assertNull(caches.get(1).get("k", key -> null), "a null result is returned and not stored");
    assertFalse(caches.get(0).containsKey("k"));
    assertEquals("v", caches.get(1).get("k", key -> "v"));
    assertEquals("v", caches.get(0).get("k"));
    assertThrows(NullPointerException.class, () -> caches.get(0).get(null, key -> "v"));
    assertThrows(NullPointerException.class, () -> caches.get(0).get("k", null));
    @SuppressWarnings({"rawtypes", "unchecked"})
    TierCache<Object, Object> raw = (TierCache) caches.get(0);
    assertThrows(ClassCastException.class, () -> raw.get("other", key -> 42), "a value of the wrong type");
    assertFalse(caches.get(0).containsKey("other"));
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(10, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
