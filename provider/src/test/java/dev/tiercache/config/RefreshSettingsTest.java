package dev.tiercache.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tiercache.expiry.Expiry;
import java.io.StringReader;
import java.time.Duration;
import javax.cache.expiry.EternalExpiryPolicy;
import org.junit.jupiter.api.Test;

/** {@code refresh} as the file states it, and the times it gives a stored value. */
class RefreshSettingsTest {

  private static RefreshSettings refresh(String section) {
    String yaml = "tiercache:\n  caches:\n    prices:\n      refresh: " + section + "\n";
    return ConfigLoader.parse("test.yaml", new StringReader(yaml), null).caches().get("prices").refresh();
  }

  @Test
  void theFileNamesARefreshPointAStaleWindowOrBoth() {
    assertEquals(new RefreshSettings(80, 30_000), refresh("{ after: 80%, serve-stale-for: 30s }"));
    assertEquals(RefreshSettings.after(50), refresh("{ after: 50% }"));
    assertEquals(RefreshSettings.NONE.servingStaleFor(Duration.ofMinutes(1)), refresh("{ serve-stale-for: 1m }"));
    assertEquals(RefreshSettings.NONE, refresh("none"));
    for (String bad : new String[] {"{ after: 0% }", "{ after: 80 }", "{ serve-stale-for: soon }", "{ }",
        "{ before: 10% }"}) {
      TiercacheConfigException e = assertThrows(TiercacheConfigException.class, () -> refresh(bad));
      assertTrue(e.getMessage().contains("tiercache.caches.prices.refresh") && e.getMessage().contains("line 4"),
          e.getMessage());
    }
  }

  @Test
  void aValueIsStoredForItsTimeToLivePlusTheWindowAndDueAtItsShareOfTheTimeToLive() {
    Expiry expiry = new Expiry(EternalExpiryPolicy.factoryOf().create(), ExpiryJitter.NONE,
        new RefreshSettings(80, 30_000));
    assertEquals(100_000 + 30_000, expiry.storedDuration(100_000));
    assertEquals(80_000, expiry.refreshAfter(130_000), "80% of the time to live, the window left out");
    assertEquals(1_000 + 80_000, expiry.refreshAt(1_000, 1_000 + 130_000));
    assertTrue(expiry.isStaleAt(131_000, 101_000) && !expiry.isStaleAt(131_000, 100_999));
    Expiry staleOnly = new Expiry(EternalExpiryPolicy.factoryOf().create(), null,
        RefreshSettings.NONE.servingStaleFor(Duration.ofSeconds(10)));
    assertEquals(100_000, staleOnly.refreshAfter(110_000), "due when its time to live ends");
    Expiry none = new Expiry(EternalExpiryPolicy.factoryOf().create());
    assertEquals(Long.MAX_VALUE, none.refreshAt(0, 100), "a cache that does not refresh is never due");
    assertEquals(100_000, none.storedDuration(100_000));
  }
}
