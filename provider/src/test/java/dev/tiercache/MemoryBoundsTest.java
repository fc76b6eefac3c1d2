package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tiercache.config.ConfigLoader;
import dev.tiercache.config.TiercacheConfigException;
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
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-Djava.net.preferIPv4Stack=true",
        "-Dhazelcast.logging.type=none", "-cp", System.getProperty("java.class.path"),
        SmallHeapMember.class.getName());
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
    String output = String.join("\n", lines);
    assertEquals(0, process.exitValue(), output);
    assertTrue(lines.contains("stored 1000 of 1000"), output);
    assertTrue(lines.contains("huge value refused"), output);
    assertTrue(lines.contains("still answers"), output);
    long l2 = number(lines, "L2 holds ");
    long l1 = number(lines, "L1 holds ");
    assertTrue(l2 >= 10 && l2 <= 60, "L2 within 20% of 256 MB, about 51 entries of 1 MB: " + l2);
    assertTrue(l1 >= 2 && l1 <= 15, "L1 within 5% of 256 MB, about 12 entries of 1 MB: " + l1);
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
}
