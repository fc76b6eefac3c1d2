package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.ServiceLoader;
import java.util.stream.Collectors;
import javax.cache.Caching;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.Test;

/** Runs against the packaged jar, as a user gets it: Hazelcast's classes inside, its provider entry not. */
class OneProviderTest {

  @Test
  void tiercacheIsTheOnlyCachingProviderOnTheClassPath() {
    var providers = ServiceLoader.load(CachingProvider.class).stream()
        .map(p -> p.type().getName()).collect(Collectors.toList());
    assertEquals(java.util.List.of(TierCachingProvider.class.getName()), providers);
    assertInstanceOf(TierCachingProvider.class, Caching.getCachingProvider());
  }

  @Test
  void hazelcastClassesShipInsideTheProviderJar() throws Exception {
    Class<?> hazelcast = Class.forName("com.hazelcast.core.Hazelcast");
    assertEquals(TierCachingProvider.class.getProtectionDomain().getCodeSource().getLocation(),
        hazelcast.getProtectionDomain().getCodeSource().getLocation());
  }
}
