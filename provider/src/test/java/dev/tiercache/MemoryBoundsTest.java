package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tiercache.config.ConfigLoader;
import dev.tiercache.config.TiercacheConfigException;
import dev.tiercache.config.WriteBehindSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default template cannot take a member down with large values: a member with a 256 MB heap takes
 * 1,000 puts of 1 MB values (four times its heap) in one cache, reading each back, and stays up;
 * L2 keeps within its share of the heap, the near cache within its own; a value larger than a sixteenth
 * of the heap is refused with a CacheException, and the cache still works after it. Also a check of the
 * configuration: one section bounds L2 by entries or by memory. Run in a JVM of its
 * own, so that the heap is small and an OutOfMemoryError would be this test's and nobody else's.
 */
class MemoryBoundsTest {

  @TempDir
  Path dir;

  @Test
  void aSmallHeapTakesFourTimesItsSizeOfLargeValuesAndRefusesAHugeOne() throws Exception {
    List<String> lines = runSmallHeap(SmallHeapMember.class);
    String output = String.join("\n", lines);
    assertTrue(lines.contains("stored 1000 of 1000"), output);
    assertTrue(lines.contains("huge value refused"), output);
    assertTrue(lines.contains("still answers"), output);
    long l2 = number(lines, "L2 holds ");
    long l1 = number(lines, "L1 holds ");
    assertTrue(l2 >= 10 && l2 <= 60, "L2 within 20% of 256 MB, about 51 entries of 1 MB: " + l2);
    assertTrue(l1 >= 2 && l1 <= 15, "L1 within 5% of 256 MB, about 12 entries of 1 MB: " + l1);
  }

  /**
   * A write-behind cache of the default template is bounded by heap too, although it may not evict a
   * change not yet written: while the system of record is away, 1 MB puts are acknowledged until the
   * member holds its 20% and then refused with a CacheWriterException that says so, the member stays
   * up, and once the writer is back every acknowledged change arrives and the written entries make room
   * for new ones.
   */
  @Test
  void aWriteBehindCacheRefusesWritesBeyondItsHeapAndLosesNone() throws Exception {
    List<String> lines = runSmallHeap(WriteBehindSmallHeapMember.class);
    String output = String.join("\n", lines);
    long acknowledged = number(lines, "acknowledged ");
    assertTrue(acknowledged >= 30 && acknowledged <= 52, "about 51 MB of 1 MB values: " + acknowledged);
    String refusal = lines.stream().filter(l -> l.startsWith("refused: ")).findFirst().orElseThrow(
        () -> new AssertionError("no write was refused: " + output));
    assertTrue(refusal.contains("is full") && refusal.contains("max-memory of ")
        && refusal.contains("never evicted"), refusal);
    assertEquals(acknowledged, number(lines, "held after refusal "), "the refused write changed nothing");
    assertEquals(acknowledged, number(lines, "written "), "every acknowledged change reached the writer");
    assertTrue(lines.contains("20 of 20 accepted after writing"), output);
  }

  private static List<String> runSmallHeap(Class<?> main) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-Djava.net.preferIPv4Stack=true",
        "-Dhazelcast.logging.type=none", "-cp", System.getProperty("java.class.path"), main.getName());
    builder.redirectErrorStream(true);
    Process process = builder.start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      out.lines().forEach(line -> {
        lines.add(line);
        System.out.println("member: " + line);
      });
    }
    assertTrue(process.waitFor(5, TimeUnit.MINUTES), "the member finished");
    assertEquals(0, process.exitValue(), String.join("\n", lines));
    return lines;
  }

  private static long number(List<String> lines, String prefix) {
    return lines.stream().filter(l -> l.startsWith(prefix)).mapToLong(l -> Long.parseLong(l.substring(prefix.length())))
        .findFirst().orElseThrow(() -> new AssertionError("no line " + prefix + " in " + lines));
  }

  @Test
  void oneSectionBoundsL2ByEntriesOrByMemoryNotBoth() throws Exception {
    Path both = dir.resolve("both.yaml");
    Files.writeString(both, "tiercache:\n  defaults:\n    max-entries: 1000\n    max-memory: 10%\n");
    TiercacheConfigException e = org.junit.jupiter.api.Assertions.assertThrows(TiercacheConfigException.class,
        () -> ConfigLoader.load(both.toUri(), getClass().getClassLoader()));
    assertTrue(e.getMessage().contains("one measure"), e.getMessage());

    Path mixed = dir.resolve("mixed.yaml");
    Files.writeString(mixed, "tiercache:\n  defaults:\n    max-entries: 1000\n  caches:\n    big:\n"
        + "      max-memory: 512MB\n    wrong:\n      max-memory: 95%\n");
    e = org.junit.jupiter.api.Assertions.assertThrows(TiercacheConfigException.class,
        () -> ConfigLoader.load(mixed.toUri(), getClass().getClassLoader()));
    assertTrue(e.getMessage().contains("caches.wrong.max-memory") && e.getMessage().contains("90%"), e.getMessage());

    Path good = dir.resolve("good.yaml");
    Files.writeString(good, "tiercache:\n  defaults:\n    max-entries: 1000\n  caches:\n    big:\n"
        + "      max-memory: 2GB\n");
    var config = ConfigLoader.load(good.toUri(), getClass().getClassLoader());
    assertEquals(1000, config.settingsFor("other").maxEntries(), "the template's bound");
    assertEquals(null, config.settingsFor("other").maxMemory());
    assertEquals(0, config.settingsFor("big").maxEntries(), "a section's own bound replaces the template's");
    assertEquals(2048, config.settingsFor("big").maxMemory().megabytes());
  }

  /** The member of the first test: a standalone default, as {@code getCacheManager()} gives it. */
  public static final class SmallHeapMember {
    public static void main(String[] args) {
      CachingProvider provider = Caching.getCachingProvider();
      CacheManager manager = provider.getCacheManager();
      TierCache<Integer, String> cache = manager.createCache("large-values",
          new MutableConfiguration<Integer, String>().setTypes(Integer.class, String.class)).unwrap(TierCache.class);
      String megabyte = "x".repeat(1 << 20);
      String huge = "y".repeat(24 << 20); // 24 MB: over a sixteenth of 256 MB; made while the heap is empty
      int stored = 0;
      int readBack = 0;
      for (int i = 0; i < 1_000; i++) {
        cache.put(i, i + megabyte);
        stored++;
        // Read back, which fills the near cache. Not always there: L2 evicts in the partition a put lands
        // in, and in a heap this small a partition holds one such value at most, often the new one.
        if (cache.get(i) != null) {
          readBack++;
        }
      }
      System.out.println("stored " + stored + " of 1000");
      System.out.println("read back " + readBack);
      int held = 0;
      for (Cache.Entry<Integer, String> ignored : cache) {
        held++;
      }
      System.out.println("L2 holds " + held);
      System.out.println("L1 holds " + cache.nearCache().orElseThrow().snapshot().size());
      try {
        cache.put(-1, huge);
        System.out.println("huge value stored");
      } catch (CacheException e) {
        System.out.println("huge value refused");
      }
      cache.put(-2, "after");
      if ("after".equals(cache.get(-2)) && !cache.isClosed()) {
        System.out.println("still answers");
      }
      provider.close();
      System.exit(0);
    }
  }

  /** The member of the write-behind test: a standalone default, its writer away until told otherwise. */
  public static final class WriteBehindSmallHeapMember {
    public static void main(String[] args) throws Exception {
      CachingProvider provider = Caching.getCachingProvider();
      CacheManager manager = provider.getCacheManager();
      AwayWriter writer = new AwayWriter();
      TierCacheConfiguration<Integer, String> config = new TierCacheConfiguration<Integer, String>()
          .setWriteBehind(WriteBehindSettings.DEFAULTS.withDelayMillis(100)
              .withMaxBacklog(1_000_000, WriteBehindSettings.WhenFull.REJECT));
      config.setTypes(Integer.class, String.class).setWriteThrough(true)
          .setCacheWriterFactory(new FactoryBuilder.SingletonFactory<>(writer));
      Cache<Integer, String> cache = manager.createCache("write-behind-values", config);
      String megabyte = "x".repeat(1 << 20);
      int acknowledged = 0;
      for (int i = 0; i < 1_000; i++) {
        try {
          cache.put(i, i + megabyte);
          acknowledged++;
        } catch (CacheWriterException e) {
          System.out.println("refused: " + e.getMessage());
          break;
        }
      }
      System.out.println("acknowledged " + acknowledged);
      int held = 0;
      for (Cache.Entry<Integer, String> ignored : cache) {
        held++;
      }
      System.out.println("held after refusal " + held);
      writer.away = false;
      long deadline = System.currentTimeMillis() + 60_000;
      while (writer.written.size() < acknowledged && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      System.out.println("written " + writer.written.size());
      int accepted = 0;
      for (int i = 0; i < 20; i++) {
        Thread.sleep(200); // slower than the writer and the removal of written entries
        try {
          cache.put(10_000 + i, i + megabyte);
          accepted++;
        } catch (CacheWriterException e) {
          System.out.println("refused after writing: " + e.getMessage());
        }
      }
      System.out.println(accepted + " of 20 accepted after writing");
      provider.close();
      System.exit(0);
    }
  }

  /** A system of record that is away (every write fails) until {@code away} is cleared. */
  static final class AwayWriter implements CacheWriter<Integer, String>, java.io.Serializable {
    volatile boolean away = true;
    final java.util.Set<Integer> written = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public void write(Cache.Entry<? extends Integer, ? extends String> entry) {
      if (away) {
        throw new CacheWriterException("away");
      }
      written.add(entry.getKey());
    }

    @Override
    public void writeAll(java.util.Collection<Cache.Entry<? extends Integer, ? extends String>> entries) {
      for (var it = entries.iterator(); it.hasNext(); ) {
        write(it.next());
        it.remove();
      }
    }

    @Override
    public void delete(Object key) {
      written.add((Integer) key);
    }

    @Override
    public void deleteAll(java.util.Collection<?> keys) {
      keys.clear();
    }
  }
}
