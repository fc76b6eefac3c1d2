package dev.tiercache.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hazelcast.core.HazelcastInstance;
import dev.tiercache.Postgres;
import dev.tiercache.TestCluster;
import dev.tiercache.TierCache;
import dev.tiercache.TierCacheConfiguration;
import dev.tiercache.config.WriteBehindSettings;
import dev.tiercache.integration.JdbcCacheStore;
import dev.tiercache.integration.WriteBehind;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import javax.cache.Cache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A one-operation write-behind put is acknowledged once its record is written; its pending change follows
 * on the owner a moment later. Here every such pending change is lost (as if each owner died right after
 * the put), then a member dies: the survivors find the recently written records and record them again, so
 * PostgreSQL still receives every acknowledged value.
 */
class WriteBehindPutRecoveryTest {

  private static final String TABLE = "tiercache_write_behind_recovery_test";

  @TempDir
  Path dir;

  @AfterEach
  void restore() {
    WriteBehindPutProcessor.loseQueuedChanges = false;
  }

  @Test
  void changesWhosePendingRecordWasLostAreRecordedAgainWhenAMemberLeaves() throws Exception {
    Postgres.recreate(TABLE);
    try (TestCluster cluster = TestCluster.start(dir, 3)) {
      Map<Integer, Cache<String, String>> caches = new HashMap<>();
      for (int i = 0; i < 3; i++) {
        TierCacheConfiguration<String, String> config = new TierCacheConfiguration<String, String>()
            .setWriteBehind(WriteBehindSettings.DEFAULTS.withDelayMillis(100));
        config.setTypes(String.class, String.class).setWriteThrough(true).setCacheWriterFactory(JdbcCacheStore.factory(
            new JdbcCacheStore.Settings(Postgres.URL, TABLE, "k", "v", String.class, String.class)));
        caches.put(i, cluster.manager(i).createCache("recovered", config));
      }
      Cache<String, String> cache = caches.get(0);
      for (int i = 0; i < 200; i++) {
        cache.put("k" + i, "v1-" + i); // recorded as usual
      }
      WriteBehindPutProcessor.loseQueuedChanges = true;
      for (int i = 0; i < 200; i++) {
        cache.put("k" + i, "v2-" + i); // acknowledged; their pending changes are "lost"
      }
      WriteBehindPutProcessor.loseQueuedChanges = false;
      @SuppressWarnings("unchecked")
      TierCache<String, String> tiercache = cache.unwrap(TierCache.class);
      WriteBehind<String, String> writeBehind = tiercache.writeBehind().orElseThrow();
      awaitBacklog(writeBehind, 0);
      Thread.sleep(500);
      long stale = Postgres.rows(TABLE).values().stream().filter(v -> v.startsWith("v1-")).count();
      assertEquals(200, stale, "without a recovery the second values never arrive: the test loses them for real");

      cluster.manager(2).unwrap(HazelcastInstance.class).getLifecycleService().terminate();
      long deadline = System.currentTimeMillis() + 60_000;
      Map<String, String> rows = Postgres.rows(TABLE);
      while (rows.values().stream().anyMatch(v -> v.startsWith("v1-")) && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
        rows = Postgres.rows(TABLE);
      }
      for (int i = 0; i < 200; i++) {
        assertEquals("v2-" + i, rows.get("k" + i), "row k" + i);
      }
    }
  }

  private static void awaitBacklog(WriteBehind<?, ?> writeBehind, long backlog) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 30_000;
    while (writeBehind.getBacklog() > backlog && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
  }
}
