package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.expiry.AccessedExpiryPolicy;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Entries expire on time whether or not anyone reads them, and EXPIRED events follow within a second. */
class ExpiryEventTest {

  static final BlockingQueue<long[]> EXPIRED = new LinkedBlockingQueue<>();

  /** Records (key, time the event arrived). */
  public static final class Recorder implements CacheEntryExpiredListener<Integer, String>, Serializable {
    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends Integer, ? extends String>> events) {
      for (CacheEntryEvent<? extends Integer, ? extends String> e : events) {
        assertEquals("v" + e.getKey(), e.getValue(), "the event carries the expired value");
        EXPIRED.add(new long[] {e.getKey(), System.currentTimeMillis()});
      }
    }
  }

  private final CacheManager manager = Caching.getCachingProvider().getCacheManager();

  @AfterEach
  void tearDown() {
    manager.destroyCache("expiry-events");
    EXPIRED.clear();
  }

  @Test
  void anUntouchedEntryFiresItsExpiredEventWithinOneSecondOfExpiring() throws Exception {
    Cache<Integer, String> cache = manager.createCache("expiry-events", new MutableConfiguration<Integer, String>()
        .setTypes(Integer.class, String.class)
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.MILLISECONDS, 300)))
        .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
            FactoryBuilder.factoryOf(Recorder.class), null, true, false)));
    long[] expiresAt = new long[20];
    for (int i = 0; i < expiresAt.length; i++) {
      long before = System.currentTimeMillis();
      cache.put(i, "v" + i);
      expiresAt[i] = before + 300;
    }
    long latest = 0;
    for (int i = 0; i < expiresAt.length; i++) {
      long[] event = EXPIRED.poll(5, TimeUnit.SECONDS);
      assertNotNull(event, "EXPIRED event " + i + " never arrived");
      long lateBy = event[1] - expiresAt[(int) event[0]];
      assertTrue(lateBy < 1000, "EXPIRED event for key " + event[0] + " came " + lateBy + " ms after expiry");
      latest = Math.max(latest, lateBy);
    }
    System.out.println("EXPIRED events of 20 untouched entries arrived at most " + latest + " ms after expiry");
    for (int i = 0; i < expiresAt.length; i++) {
      assertFalse(cache.containsKey(i));
    }
  }

  @Test
  void accessExpiryIsExtendedByReadsAndEndsWhenTheyStop() throws Exception {
    Cache<Integer, String> cache = manager.createCache("expiry-events", new MutableConfiguration<Integer, String>()
        .setTypes(Integer.class, String.class)
        .setExpiryPolicyFactory(AccessedExpiryPolicy.factoryOf(new Duration(TimeUnit.MILLISECONDS, 1000))));
    cache.put(1, "v1");
    long start = System.currentTimeMillis();
    while (System.currentTimeMillis() - start < 2500) {
      Thread.sleep(200);
      assertEquals("v1", cache.get(1), "each read extends the entry's life by a second");
    }
    Thread.sleep(1500);
    assertFalse(cache.containsKey(1), "without reads the entry expires");
  }
}
