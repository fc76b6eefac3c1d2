package dev.tiercache.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tiercache.Postgres;
import dev.tiercache.TestCluster;
import dev.tiercache.TierCache;
import dev.tiercache.TierCacheConfiguration;
import dev.tiercache.config.WriteBehindSettings;
import java.nio.file.Path;
import javax.cache.Cache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flush reads the pending map first and the unwritten records after. Changes that land in between
 * must still reach PostgreSQL in the order they were acknowledged: here a locked operation records a
 * change in the pending map and then a plain put follows, exactly in that gap. The plain put must not
 * become an unwritten record (the flush would write it now and the older pending change after it);
 * it follows the pending change into the pending map instead.
 */
class WriteBehindFlushRaceTest {

  private static final String TABLE = "tiercache_write_behind_race_test";

  @TempDir
  Path dir;

  @AfterEach
  void removeHook() {
    WriteBehind.afterPendingRead = null;
  }

  @Test
  void aPutThatFollowsALockedChangeBetweenTheFlushersTwoReadsIsWrittenLast() throws Exception {
    Postgres.recreate(TABLE);
    try (TestCluster cluster = TestCluster.start(dir, 1)) {
      TierCacheConfiguration<String, String> config = new TierCacheConfiguration<String, String>()
          .setWriteBehind(WriteBehindSettings.DEFAULTS.withDelayMillis(3_600_000)); // only explicit flushes
      config.setTypes(String.class, String.class).setWriteThrough(true).setCacheWriterFactory(JdbcCacheStore.factory(
          new JdbcCacheStore.Settings(Postgres.URL, TABLE, "k", "v", String.class, String.class)));
      Cache<String, String> cache = cluster.manager(0).createCache("race", config);
      @SuppressWarnings("unchecked")
      TierCache<String, String> tiercache = cache.unwrap(TierCache.class);
      WriteBehind<String, String> writeBehind = tiercache.writeBehind().orElseThrow();
      for (int i = 0; i < 50; i++) {
        cache.put("k" + i, "first");
      }
      WriteBehind.afterPendingRead = () -> {
        WriteBehind.afterPendingRead = null;
        for (int i = 0; i < 50; i++) {
          cache.getAndPut("k" + i, "locked"); // into the pending map, after the flusher read it
          cache.put("k" + i, "last");          // the latest acknowledged value
        }
      };
      writeBehind.flush();
      writeBehind.flush();
      for (int i = 0; i < 50; i++) {
        assertEquals("last", Postgres.rows(TABLE).get("k" + i), "row k" + i);
        assertEquals("last", cache.get("k" + i));
      }
    }
  }
}
