package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryEventFilter;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.event.CacheEntryListenerException;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Entry listeners hear the whole cluster: a listener registered on member A hears the changes made on
 * member B, with old values, each key's events in order, filtered where it lives; a synchronous one has
 * run before B's call returns, and B does not hang if A dies while B waits for it.
 */
class ClusterListenersTest {

  @TempDir
  Path dir;

  /** What the listeners heard, by listener name: "TYPE key value old". */
  static final Map<String, List<String>> HEARD = new ConcurrentHashMap<>();
  /** Holds a blocking listener until counted down. */
  static volatile CountDownLatch block = new CountDownLatch(0);
  static volatile CountDownLatch blocked = new CountDownLatch(1);

  private static MutableConfiguration<String, String> config() {
    return new MutableConfiguration<String, String>().setTypes(String.class, String.class);
  }

  private static MutableCacheEntryListenerConfiguration<String, String> listener(String name, boolean synchronous,
      String keyPrefix) {
    HEARD.put(name, new CopyOnWriteArrayList<>());
    return new MutableCacheEntryListenerConfiguration<>(FactoryBuilder.factoryOf(new Recorder(name)),
        keyPrefix == null ? null : FactoryBuilder.factoryOf(new KeyPrefix(keyPrefix)), true, synchronous);
  }

  private static void await(List<String> heard, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (heard.size() < count && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  @Test
  void aListenerOnOneMemberHearsTheChangesMadeOnAnotherInOrderWithOldValuesAndItsFilter() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, 2)) {
      Cache<String, String> onA = cluster.manager(0).createCache("heard", config());
      Cache<String, String> onB = cluster.manager(1).getCache("heard", String.class, String.class);
      onA.registerCacheEntryListener(listener("all", false, null));
      onA.registerCacheEntryListener(listener("x-only", false, "x"));
      assertEquals(Writes.PutRoute.ON_OWNER_PUBLISHING, onB.unwrap(TierCache.class).putRoute(),
          "a listener on A keeps B's put one operation, which publishes its events on the owner");

      onB.put("k", "v1");
      onB.put("k", "v2");
      onB.remove("k");
      onB.put("x1", "one");
      List<String> all = HEARD.get("all");
      await(all, 4);
      assertEquals(List.of("CREATED k v1 null", "UPDATED k v2 v1", "REMOVED k v2 v2", "CREATED x1 one null"), all);
      await(HEARD.get("x-only"), 1);
      assertEquals(List.of("CREATED x1 one null"), HEARD.get("x-only"), "filtered where the listener lives");

      // Each key's events in order, with two writers per key, one on each member, at once: every event's
      // old value is the value of the key's event before it. One writer takes the locked route
      // (getAndPut), the others the one-step put: both routes' events leave from the key's owner.
      all.clear();
      ExecutorService writers = Executors.newFixedThreadPool(4);
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        Cache<String, String> cache = w % 2 == 0 ? onA : onB;
        int writer = w;
        int firstKey = w / 2 * 50;
        done.add(writers.submit(() -> {
          for (int round = 0; round < 5; round++) {
            for (int i = firstKey; i < firstKey + 50; i++) {
              if (writer == 3) {
                cache.getAndPut("key" + i, "w" + writer + "r" + round);
              } else {
                cache.put("key" + i, "w" + writer + "r" + round);
              }
            }
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      writers.shutdown();
      await(all, 1_000);
      assertEquals(1_000, all.size(), "every put of either member heard once");
      for (int key = 0; key < 100; key++) {
        String prefix = " key" + key + " ";
        List<String> ofKey = all.stream().filter(e -> e.contains(prefix)).toList();
        assertEquals(10, ofKey.size(), ofKey.toString());
        String previous = "null";
        for (int i = 0; i < ofKey.size(); i++) {
          String[] event = ofKey.get(i).split(" ");
          assertEquals(i == 0 ? "CREATED" : "UPDATED", event[0], ofKey.toString());
          assertEquals(previous, event[3], "the old value is the one before: " + ofKey);
          previous = event[2];
        }
        assertEquals(onA.get("key" + key), previous, "the last event is the value the cache holds");
      }
    }
  }

  @Test
  void aSynchronousListenerOnAnotherMemberHasRunWhenTheCallReturnsAndItsFailureReachesTheCaller()
      throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, 2)) {
      Cache<String, String> onA = cluster.manager(0).createCache("synchronous", config());
      Cache<String, String> onB = cluster.manager(1).getCache("synchronous", String.class, String.class);
      onA.registerCacheEntryListener(listener("sync", true, null));
      for (int i = 0; i < 50; i++) {
        onB.put("k" + i, "v");
        assertEquals(i + 1, HEARD.get("sync").size(), "heard before the put on B returned");
      }
      CacheEntryListenerException failure = assertThrows(CacheEntryListenerException.class,
          () -> onB.put("fail", "v"));
      assertTrue(failure.getMessage().contains("refuses fail"), failure.getMessage());
    }
  }

  @Test
  void aCallWaitingForASynchronousListenerGoesOnWhenItsMemberDies() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, 2)) {
      Cache<String, String> onA = cluster.manager(0).createCache("dying", config());
      Cache<String, String> onB = cluster.manager(1).getCache("dying", String.class, String.class);
      onA.registerCacheEntryListener(listener("sync-blocking", true, null));
      block = new CountDownLatch(1);
      blocked = new CountDownLatch(1);
      ExecutorService caller = Executors.newSingleThreadExecutor();
      try {
        Future<?> put = caller.submit(() -> onB.put("block", "v"));
        assertTrue(blocked.await(10, TimeUnit.SECONDS), "A's listener is running");
        onA.getCacheManager().unwrap(HazelcastInstance.class).getLifecycleService().terminate();
        put.get(30, TimeUnit.SECONDS); // returns: no hang
        assertEquals("v", onB.get("block"));
      } finally {
        block.countDown();
        caller.shutdownNow();
      }
    }
  }

  @Test
  void anEntryWrittenOnOneMemberExpiresWithAnEventOnAnother() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, 2)) {
      Cache<String, String> onA = cluster.manager(0).createCache("expiring",
          config().setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.MILLISECONDS, 500))));
      Cache<String, String> onB = cluster.manager(1).getCache("expiring", String.class, String.class);
      onA.registerCacheEntryListener(listener("expiry", false, null));
      onB.put("k", "v");
      List<String> heard = HEARD.get("expiry");
      await(heard, 2);
      assertEquals(List.of("CREATED k v null", "EXPIRED k v v"), heard);
    }
  }

  @Test
  void aSynchronousListenerMayChangeItsOwnCacheWithoutWaitingForItself() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, 2)) {
      Cache<String, String> onA = cluster.manager(0).createCache("reentrant", config());
      Cache<String, String> onB = cluster.manager(1).getCache("reentrant", String.class, String.class);
      onA.registerCacheEntryListener(listener("sync-a", true, null));
      onB.registerCacheEntryListener(listener("sync-b", true, null));
      echoInto = onA;
      try {
        // Waiting for itself, A's listener would hold each put for the 60 s a wait may last.
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(30), () -> {
          for (int i = 0; i < 20; i++) { // keys owned by either member, put by either member
            (i % 2 == 0 ? onA : onB).put("echo" + i, "v" + i);
            assertEquals("v" + i, onA.get("echoed" + i), "A's listener wrote its own cache before the put returned");
          }
        });
      } finally {
        echoInto = null;
      }
      await(HEARD.get("sync-b"), 40);
      assertEquals(40, HEARD.get("sync-b").size(), "B heard the puts and the listener's writes: "
          + HEARD.get("sync-b"));
    }
  }

  /** Where {@link Recorder} copies the value of each "echo" key it hears created, as "echoed…". */
  static volatile Cache<String, String> echoInto;

  /** Records what it hears; refuses the key "fail"; blocks on the key "block" until told. */
  public static final class Recorder implements CacheEntryCreatedListener<String, String>,
      CacheEntryUpdatedListener<String, String>, CacheEntryRemovedListener<String, String>,
      CacheEntryExpiredListener<String, String>, Serializable {
    private final String name;

    public Recorder(String name) {
      this.name = name;
    }

    private void record(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      for (CacheEntryEvent<? extends String, ? extends String> e : events) {
        if (e.getKey().equals("fail")) {
          throw new CacheEntryListenerException("refuses fail");
        }
        if (e.getKey().equals("block")) {
          blocked.countDown();
          try {
            block.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
          }
        }
        HEARD.get(name).add(e.getEventType() + " " + e.getKey() + " " + e.getValue() + " "
            + (e.isOldValueAvailable() ? e.getOldValue() : null));
        Cache<String, String> echo = echoInto;
        if (echo != null && name.equals("sync-a") && e.getKey().startsWith("echo")
            && !e.getKey().startsWith("echoed")) {
          echo.put("echoed" + e.getKey().substring(4), e.getValue());
        }
      }
    }

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      record(events);
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      record(events);
    }

    @Override
    public void onRemoved(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      record(events);
    }

    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      record(events);
    }
  }

  /** Passes keys that start with a prefix. */
  public static final class KeyPrefix implements CacheEntryEventFilter<String, String>, Serializable {
    private final String prefix;

    public KeyPrefix(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public boolean evaluate(CacheEntryEvent<? extends String, ? extends String> event) {
      return event.getKey().startsWith(prefix);
    }
  }
}
