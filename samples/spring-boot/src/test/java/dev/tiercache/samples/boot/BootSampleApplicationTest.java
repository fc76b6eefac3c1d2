package dev.tiercache.samples.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.tiercache.spring.TiercacheCacheManager;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.cache.CacheManager;

/** The application as a user builds it: Boot's parent POM, one Tiercache dependency. */
@SpringBootTest
class BootSampleApplicationTest {

  @Autowired
  BootSampleApplication.PriceService prices;

  @Autowired
  CacheManager cacheManager;

  @Test
  void cachesThroughTiercacheOnTheHazelcastTiercacheWasTestedWith() {
    assertInstanceOf(TiercacheCacheManager.class, cacheManager);
    long first = prices.price("sku-1");
    assertEquals(first, prices.price("sku-1"));
    assertEquals(1, prices.lookups());
    // Boot's dependency management pins Hazelcast 5.5.0; the application runs Tiercache's own 5.7.0.
    assertEquals("5.7.0", com.hazelcast.instance.BuildInfoProvider.getBuildInfo().getVersion());
  }
}
