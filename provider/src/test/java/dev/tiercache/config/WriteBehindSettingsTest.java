package dev.tiercache.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import org.junit.jupiter.api.Test;

/** {@code write-behind.max-attempts}: read from the file, defaulted, bounded. */
class WriteBehindSettingsTest {

  private static WriteBehindSettings read(String section) {
    String yaml = "tiercache:\n  caches:\n    orders:\n      write-behind:\n" + section;
    return ConfigLoader.parse("test.yaml", new StringReader(yaml), null).caches().get("orders").writeBehind();
  }

  @Test
  void maxAttemptsIsReadAndDefaultsToTen() {
    assertEquals(5, read("        max-attempts: 5\n").maxAttempts());
    assertEquals(WriteBehindSettings.DEFAULT_MAX_ATTEMPTS, read("        delay: 1s\n").maxAttempts());
    assertEquals(10, WriteBehindSettings.DEFAULTS.maxAttempts());
    assertEquals(3, WriteBehindSettings.DEFAULTS.withMaxAttempts(3).withBatchSize(10).maxAttempts(), "kept by with*");
  }

  @Test
  void maxAttemptsBelowOneIsRefused() {
    TiercacheConfigException e = assertThrows(TiercacheConfigException.class, () -> read("        max-attempts: 0\n"));
    assertTrue(e.getMessage().contains("line 5, 'tiercache.caches.orders.write-behind.max-attempts'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> WriteBehindSettings.DEFAULTS.withMaxAttempts(0));
  }
}
