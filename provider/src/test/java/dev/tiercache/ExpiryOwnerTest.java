package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every entry that expires has exactly one EXPIRED event, on time, even when the member that wrote it
 * has died: a member in a JVM of its own joins, writes 200 entries that live 2 s once the partitions it
 * takes on joining have arrived, and is killed ({@code kill -9}) at once; the listener on the surviving member hears each of the 200 expire once, within a second
 * of its expiry. Its owner (the survivor, for the partitions it owned; for the others, once their backups
 * here are promoted) is in charge of it.
 */
class ExpiryOwnerTest {

  static final String CACHE = "expiring-owned";
  static final int ENTRIES = 200;
  static final long LIFETIME_MILLIS = 2_000;
  /** Key → when each EXPIRED event of it arrived (ms since the epoch), in arrival order. */
  static final Map<String, List<Long>> EXPIRED = new ConcurrentHashMap<>();

  @TempDir
  Path dir;

  static MutableConfiguration<String, String> configuration() {
    return new MutableConfiguration<String, String>().setTypes(String.class, String.class)
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.MILLISECONDS, LIFETIME_MILLIS)));
  }

  @Test
  void eachEntryExpiresOnceWithAnEventAfterTheMemberThatWroteItIsKilled() throws Exception {
    List<URI> uris = TestCluster.configure(dir, 2);
    CacheManager survivor = Caching.getCachingProvider().getCacheManager(uris.get(0), null);
    Process writer = null;
    try {
      Cache<String, String> cache = survivor.createCache(CACHE, configuration());
      cache.registerCacheEntryListener(new MutableCacheEntryListenerConfiguration<>(
          FactoryBuilder.factoryOf(Recorder.class), null, false, false));
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder builder = new ProcessBuilder(java, "-Xmx512m", "-Djava.net.preferIPv4Stack=true",
          "-Dhazelcast.logging.type=none", "-cp", System.getProperty("java.class.path"),
          WritingMember.class.getName(), uris.get(1).toString());
      builder.redirectErrorStream(true);
      writer = builder.start();
      BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8));
      long writtenBy = -1;
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        System.out.println("writer: " + line);
        if (line.startsWith("WRITTEN ")) {
          writtenBy = Long.parseLong(line.substring("WRITTEN ".length()));
          break;
        }
      }
      assertTrue(writtenBy > 0, "the writer wrote its entries");
      writer.destroyForcibly(); // SIGKILL: its sweeper dies with it
      long killedAt = System.currentTimeMillis();

      long lastExpiry = writtenBy + LIFETIME_MILLIS;
      while (System.currentTimeMillis() < lastExpiry + 3_000 && EXPIRED.size() < ENTRIES) {
        Thread.sleep(20);
      }
      Thread.sleep(1_000); // a second event, if any, would arrive by now
      assertEquals(ENTRIES, EXPIRED.size(), "every entry had an EXPIRED event: " + EXPIRED.size());
      long latest = 0;
      for (Map.Entry<String, List<Long>> heard : EXPIRED.entrySet()) {
        assertEquals(1, heard.getValue().size(), "once: " + heard);
        latest = Math.max(latest, heard.getValue().get(0));
      }
      System.out.printf("killed %d ms after writing; the last EXPIRED event came %d ms after the last expiry%n",
          killedAt - writtenBy, latest - lastExpiry);
      assertTrue(latest - lastExpiry <= 1_000, "within a second of expiring: " + (latest - lastExpiry) + " ms");
      assertEquals(0, countLive(cache), "nothing is left");
    } finally {
      if (writer != null) {
        writer.destroyForcibly();
      }
      survivor.close();
    }
  }

  private static int countLive(Cache<String, String> cache) {
    int live = 0;
    for (Cache.Entry<String, String> ignored : cache) {
      live++;
    }
    return live;
  }

  /** The member that writes and dies: joins, writes the entries, prints WRITTEN and the time, waits. */
  public static final class WritingMember {
    public static void main(String[] args) throws Exception {
      try {
        CacheManager manager = Caching.getCachingProvider().getCacheManager(URI.create(args[0]), null);
        Cache<String, String> cache = manager.getCache(CACHE, String.class, String.class);
        // Writes once the partitions it takes on joining have arrived: an application instance that has
        // been running. Killed while they are still on their way, the survivor takes over the entries
        // only when Hazelcast has repaired the failed migrations, which was measured at up to 1.65 s
        // after their expiry (see docs/architecture.md, "Expiry"); that is Hazelcast's timing, and is
        // not what this test measures.
        com.hazelcast.core.HazelcastInstance member = manager.unwrap(com.hazelcast.core.HazelcastInstance.class);
        long settleBy = System.currentTimeMillis() + 30_000;
        while (!member.getPartitionService().isClusterSafe() && System.currentTimeMillis() < settleBy) {
          Thread.sleep(20);
        }
        for (int i = 0; i < ENTRIES; i++) {
          cache.put("k" + i, "v" + i);
        }
        System.out.println("WRITTEN " + System.currentTimeMillis());
        System.out.flush();
      } catch (Throwable e) {
        e.printStackTrace(System.out);
        System.out.flush();
        System.exit(1);
      }
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  /** Notes when each EXPIRED event arrives. */
  public static final class Recorder implements CacheEntryExpiredListener<String, String>, Serializable {
    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      long now = System.currentTimeMillis();
      for (CacheEntryEvent<? extends String, ? extends String> e : events) {
        EXPIRED.computeIfAbsent(e.getKey(), k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(now);
      }
    }
  }
}
