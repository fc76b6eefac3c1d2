package dev.tiercache.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import dev.tiercache.Postgres;
import dev.tiercache.TestCluster;
import dev.tiercache.TierCache;
import dev.tiercache.TierCacheConfiguration;
import dev.tiercache.config.WriteBehindSettings;
import java.net.URI;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.configuration.Factory;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition changes owner while its old owner is still writing a batch of its changes: the new owner
 * must not write newer changes of those keys before that batch has committed, or the older values land
 * last. Here the old owner's batch is held inside {@code writeAll} while a second member joins and takes
 * over half the partitions (or while the old owner shuts down and hands over all of them), and the keys
 * get newer values; PostgreSQL must end with the newer values.
 */
class WriteBehindHandOverTest {

  private static final String TABLE = "tiercache_write_behind_hand_over_test";
  private static final String HELD_THREAD = "first-member-flush";
  private static final int KEYS = 300;

  static volatile CountDownLatch held;
  static volatile CountDownLatch entered;

  @TempDir
  Path dir;

  /** PostgreSQL through {@link JdbcCacheStore}, except that a batch written by {@link #HELD_THREAD} waits. */
  public static final class HeldWriterFactory implements Factory<CacheWriter<String, String>> {
    @Override
    public CacheWriter<String, String> create() {
      JdbcCacheStore<String, String> store = new JdbcCacheStore<>(
          new JdbcCacheStore.Settings(Postgres.URL, TABLE, "k", "v", String.class, String.class));
      return new CacheWriter<>() {
        @Override
        public void write(Cache.Entry<? extends String, ? extends String> entry) {
          store.write(entry);
        }

        @Override
        public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
          if (Thread.currentThread().getName().equals(HELD_THREAD)) {
            entered.countDown();
            try {
              held.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new CacheWriterException(e);
            }
          }
          store.writeAll(entries);
        }

        @Override
        public void delete(Object key) {
          store.delete(key);
        }

        @Override
        public void deleteAll(Collection<?> keys) {
          store.deleteAll(keys);
        }
      };
    }
  }

  private static Cache<String, String> open(TestCluster cluster) {
    return open(cluster, 0);
  }

  private static Cache<String, String> open(TestCluster cluster, int member) {
    TierCacheConfiguration<String, String> config = new TierCacheConfiguration<String, String>()
        .setWriteBehind(WriteBehindSettings.DEFAULTS.withDelayMillis(600_000));
    config.setTypes(String.class, String.class).setWriteThrough(true).setCacheWriterFactory(new HeldWriterFactory());
    return cluster.manager(member).createCache("hand-over", config);
  }

  private static WriteBehind<String, String> writeBehind(Cache<String, String> cache) {
    @SuppressWarnings("unchecked")
    TierCache<String, String> tiercache = cache.unwrap(TierCache.class);
    return tiercache.writeBehind().orElseThrow();
  }

  @Test
  void theNewOwnerWritesOnlyAfterTheOldOwnersBatchHasCommitted() throws Exception {
    Postgres.recreate(TABLE);
    hold();
    List<URI> uris = TestCluster.configure(dir, 2);
    try (TestCluster first = TestCluster.start(uris.subList(0, 1))) {
      Cache<String, String> a = open(first);
      for (int i = 0; i < KEYS; i++) {
        a.put("k" + i, "old-" + i);
      }
      Thread oldOwnerFlush = new Thread(() -> writeBehind(a).flush(), HELD_THREAD);
      oldOwnerFlush.start();
      assertTrue(entered.await(30, TimeUnit.SECONDS), "the first member is writing the old values");

      try (TestCluster second = TestCluster.start(uris.subList(1, 2))) {
        Cache<String, String> b = open(second);
        HazelcastInstance joined = second.manager(0).unwrap(HazelcastInstance.class);
        long deadline = System.currentTimeMillis() + 30_000;
        while (!(joined.getPartitionService().isClusterSafe() && joined.getPartitionService().getPartitions().stream()
            .anyMatch(p -> p.getOwner() != null && p.getOwner().localMember()))) {
          assertTrue(System.currentTimeMillis() < deadline, "partitions migrate to the second member");
          Thread.sleep(50);
        }
        for (int i = 0; i < KEYS; i++) {
          b.put("k" + i, "new-" + i);
        }
        Thread newOwnerFlush = new Thread(() -> writeBehind(b).flush(), "second-member-flush");
        newOwnerFlush.start();
        newOwnerFlush.join(2_000); // time enough to write, had it not waited for the first member

        held.countDown();
        oldOwnerFlush.join(30_000);
        newOwnerFlush.join(30_000);
        assertFalse(oldOwnerFlush.isAlive() || newOwnerFlush.isAlive(), "both flushes ended");
        drainAndCheck(List.of(a, b));
      }
    }
  }

  @Test
  void aMemberThatShutsDownHandsOverOnlyAfterItsBatchHasCommitted() throws Exception {
    Postgres.recreate(TABLE);
    hold();
    try (TestCluster cluster = TestCluster.start(dir, 2)) {
      Cache<String, String> a = open(cluster, 0);
      Cache<String, String> b = open(cluster, 1);
      for (int i = 0; i < KEYS; i++) {
        a.put("k" + i, "old-" + i);
      }
      Thread oldOwnerFlush = new Thread(() -> writeBehind(a).flush(), HELD_THREAD);
      oldOwnerFlush.start();
      assertTrue(entered.await(30, TimeUnit.SECONDS), "the first member is writing the old values");

      // A graceful shutdown of the member (SIGTERM does this), without closing its caches first.
      HazelcastInstance leaving = cluster.manager(0).unwrap(HazelcastInstance.class);
      HazelcastInstance staying = cluster.manager(1).unwrap(HazelcastInstance.class);
      Thread shutdown = new Thread(leaving::shutdown, "first-member-shutdown");
      shutdown.start();
      long deadline = System.currentTimeMillis() + 3_000;
      while (staying.getCluster().getMembers().size() > 1 && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      for (int i = 0; i < KEYS; i++) {
        b.put("k" + i, "new-" + i);
      }
      Thread newOwnerFlush = new Thread(() -> writeBehind(b).flush(), "second-member-flush");
      newOwnerFlush.start();
      newOwnerFlush.join(2_000);

      held.countDown();
      oldOwnerFlush.join(30_000);
      shutdown.join(60_000);
      newOwnerFlush.join(30_000);
      assertFalse(oldOwnerFlush.isAlive() || shutdown.isAlive() || newOwnerFlush.isAlive(), "all ended");
      deadline = System.currentTimeMillis() + 30_000;
      while (staying.getCluster().getMembers().size() > 1) {
        assertTrue(System.currentTimeMillis() < deadline, "the first member leaves");
        Thread.sleep(50);
      }
      drainAndCheck(List.of(b));
    }
  }

  private static void hold() {
    held = new CountDownLatch(1);
    entered = new CountDownLatch(1);
  }

  /** Flushes until nothing is left, then checks that every row holds the newer value. */
  private static void drainAndCheck(List<Cache<String, String>> caches) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (writeBehind(caches.get(0)).getBacklog() > 0) {
      assertTrue(System.currentTimeMillis() < deadline, "the backlog empties");
      for (Cache<String, String> cache : caches) {
        writeBehind(cache).flush();
      }
    }
    Map<String, String> rows = Postgres.rows(TABLE);
    int wrong = 0;
    for (int i = 0; i < KEYS; i++) {
      if (!("new-" + i).equals(rows.get("k" + i))) {
        wrong++;
      }
    }
    assertEquals(0, wrong, "rows left with the older value (or none), of " + KEYS);
  }
}
