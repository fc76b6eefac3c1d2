package dev.tiercache.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code expiry.jitter} as the file states it, and what a jitter does to a time to live. */
class ExpiryJitterTest {

  private static CacheSettings defaults(String expiry) {
    String yaml = "tiercache:\n  defaults:\n    expiry: " + expiry + "\n";
    return ConfigLoader.parse("test.yaml", new StringReader(yaml), null).defaults();
  }

  private static String error(String expiry) {
    return assertThrows(TiercacheConfigException.class, () -> defaults(expiry)).getMessage();
  }

  @Test
  void aShareOrAFixedSpreadIsReadBesideTheTimeToLive() {
    ExpirySetting share = defaults("{ after-write: 10m, jitter: 10% }").expiry();
    assertEquals(ExpirySetting.Kind.AFTER_WRITE, share.kind());
    assertEquals(600_000, share.millis());
    assertEquals(ExpiryJitter.ofPercent(10), share.jitter());
    assertEquals(ExpiryJitter.upTo(Duration.ofSeconds(30)),
        defaults("{ jitter: 30s, after-create: 1h }").expiry().jitter());
    ExpirySetting jitterOnly = defaults("{ jitter: 5% }").expiry();
    assertEquals(ExpirySetting.Kind.NONE, jitterOnly.kind(), "jitter alone spreads whatever policy the code sets");
    assertEquals(ExpiryJitter.ofPercent(5), jitterOnly.jitter());
    assertEquals(ExpiryJitter.NONE, defaults("{ after-access: 1s }").expiry().jitter());
    assertEquals(ExpiryJitter.NONE, defaults("none").expiry().jitter());
  }

  @Test
  void aCachesExpirySectionOverridesTheTemplatesKeysOneByOne() {
    String yaml = String.join("\n", "tiercache:", "  defaults:", "    expiry: { after-write: 10m, jitter: 5% }",
        "  caches:", "    spread: { expiry: { jitter: 20% } }", "    shorter: { expiry: { after-create: 1m } }",
        "    never: { expiry: none }", "");
    TiercacheConfig config = ConfigLoader.parse("test.yaml", new StringReader(yaml), null);
    assertEquals(new ExpirySetting(ExpirySetting.Kind.AFTER_WRITE, 600_000, ExpiryJitter.ofPercent(20)),
        config.caches().get("spread").expiry(), "jitter alone keeps the template's time to live");
    assertEquals(new ExpirySetting(ExpirySetting.Kind.AFTER_CREATE, 60_000, ExpiryJitter.ofPercent(5)),
        config.caches().get("shorter").expiry(), "a time to live alone keeps the template's jitter");
    assertEquals(ExpirySetting.NONE, config.caches().get("never").expiry());
  }

  @Test
  void aBadJitterIsNamedWithItsKeyAndLine() {
    for (String bad : new String[] {"0%", "101%", "ten", "-5%", "0s"}) {
      String message = error("{ after-write: 1m, jitter: " + bad + " }");
      assertTrue(message.contains("'tiercache.defaults.expiry.jitter'"), message);
      assertTrue(message.contains("line 3"), message);
    }
    String two = error("{ after-write: 1m, after-create: 1m }");
    assertTrue(two.contains("at most one of"), two);
    String tooLong = error("{ after-write: 99999999999999999999d }");
    assertTrue(tooLong.contains("too long a duration"), tooLong);
    String overflow = error("{ after-write: 9999999999999999d }");
    assertTrue(overflow.contains("too long a duration"), overflow);
  }

  @Test
  void jitterOnlyLengthensAndStaysWithinItsSpread() {
    ExpiryJitter tenPercent = ExpiryJitter.ofPercent(10);
    ExpiryJitter thirtySeconds = ExpiryJitter.upTo(Duration.ofSeconds(30));
    long min = Long.MAX_VALUE;
    long max = 0;
    for (int i = 0; i < 10_000; i++) {
      long jittered = tenPercent.apply(100_000);
      min = Math.min(min, jittered);
      max = Math.max(max, jittered);
      long fixed = thirtySeconds.apply(1_000);
      assertTrue(fixed >= 1_000 && fixed <= 31_000, "fixed spread: " + fixed);
    }
    assertTrue(min >= 100_000 && max <= 110_000, min + ".." + max);
    assertTrue(min < 101_000 && max > 109_000, "the whole spread is used: " + min + ".." + max);
    assertEquals(Long.MAX_VALUE - 1, ExpiryJitter.NONE.apply(Long.MAX_VALUE - 1));
    assertTrue(ExpiryJitter.ofPercent(100).apply(Long.MAX_VALUE - 1) >= Long.MAX_VALUE - 1, "no overflow");
    assertThrows(IllegalArgumentException.class, () -> ExpiryJitter.ofPercent(0));
    assertThrows(IllegalArgumentException.class, () -> ExpiryJitter.ofPercent(101));
    assertThrows(IllegalArgumentException.class, () -> ExpiryJitter.upTo(Duration.ZERO));
  }
}
