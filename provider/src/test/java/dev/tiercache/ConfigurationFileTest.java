package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.MapConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.tiercache.config.TiercacheConfigException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A CacheManager URI names a tiercache.yaml; a bad one fails getCacheManager and starts nothing. */
class ConfigurationFileTest {

  private final CachingProvider provider = Caching.getCachingProvider();

  @Test
  void startUpCachesAndTheDefaultTemplateComeFromTheFile() {
    CacheManager manager = provider.getCacheManager(URI.create("classpath:tiercache-test.yaml"), null);
    try {
      Cache<String, Long> prices = manager.getCache("prices", String.class, Long.class);
      assertNotNull(prices, "caches listed in the file exist when the manager starts");
      assertTrue(prices.getConfiguration(CompleteConfiguration.class).isStatisticsEnabled());
      prices.put("apple", 3L);
      assertEquals(3L, prices.get("apple"));

      // Spring Boot and Hibernate create caches with a bare MutableConfiguration: it takes the template.
      Cache<Object, Object> bare = manager.createCache("sessions", new MutableConfiguration<>());
      @SuppressWarnings("unchecked")
      CompleteConfiguration<Object, Object> bareConfig = bare.getConfiguration(CompleteConfiguration.class);
      ExpiryPolicy expiry = bareConfig.getExpiryPolicyFactory().create();
      assertTrue(expiry instanceof ModifiedExpiryPolicy, "template expiry applies: " + expiry);
      assertEquals(new Duration(TimeUnit.MILLISECONDS, 30_000), expiry.getExpiryForUpdate());

      HazelcastInstance hz = manager.unwrap(HazelcastInstance.class);
      MapConfig sessionsMap = hz.getConfig().findMapConfig(bare.unwrap(com.hazelcast.map.IMap.class).getName());
      assertEquals(2, sessionsMap.getBackupCount(), "template backups");
      assertEquals(5000, sessionsMap.getEvictionConfig().getSize(), "template bound: not unbounded by accident");
      MapConfig pricesMap = hz.getConfig().findMapConfig(prices.unwrap(com.hazelcast.map.IMap.class).getName());
      assertEquals(0, pricesMap.getBackupCount(), "per-cache settings win over the template");
      assertEquals(100, pricesMap.getEvictionConfig().getSize());
    } finally {
      manager.close();
    }
  }

  @Test
  void aMissingFileIsNamedAndNoMemberStarts() {
    int members = Hazelcast.getAllHazelcastInstances().size();
    TiercacheConfigException e = assertThrows(TiercacheConfigException.class,
        () -> provider.getCacheManager(URI.create("classpath:no-such-tiercache.yaml"), null));
    assertTrue(e.getMessage().contains("no-such-tiercache.yaml"), e.getMessage());
    assertEquals(members, Hazelcast.getAllHazelcastInstances().size());
  }

  @Test
  void aMissingFileUriIsNamed(@TempDir Path dir) {
    URI uri = dir.resolve("absent.yaml").toUri();
    TiercacheConfigException e = assertThrows(TiercacheConfigException.class, () -> provider.getCacheManager(uri, null));
    assertTrue(e.getMessage().contains("absent.yaml"), e.getMessage());
  }

  @Test
  void anUnknownKeyIsNamedWithItsLine() {
    int members = Hazelcast.getAllHazelcastInstances().size();
    TiercacheConfigException e = assertThrows(TiercacheConfigException.class,
        () -> provider.getCacheManager(URI.create("classpath:tiercache-unknown-key.yaml"), null));
    assertTrue(e.getMessage().contains("tiercache-unknown-key.yaml"), e.getMessage());
    assertTrue(e.getMessage().contains("tiercache.defaults.backup"), e.getMessage());
    assertTrue(e.getMessage().contains("line 4"), e.getMessage());
    assertEquals(members, Hazelcast.getAllHazelcastInstances().size());
  }

  @Test
  void aValueOutOfRangeIsNamedWithItsLine() {
    TiercacheConfigException e = assertThrows(TiercacheConfigException.class,
        () -> provider.getCacheManager(URI.create("classpath:tiercache-bad-value.yaml"), null));
    assertTrue(e.getMessage().contains("tiercache.caches.orders.backups"), e.getMessage());
    assertTrue(e.getMessage().contains("line 4"), e.getMessage());
  }

  @Test
  void malformedYamlIsReportedWithTheFileName() {
    TiercacheConfigException e = assertThrows(TiercacheConfigException.class,
        () -> provider.getCacheManager(URI.create("classpath:tiercache-not-yaml.yaml"), null));
    assertTrue(e.getMessage().contains("tiercache-not-yaml.yaml"), e.getMessage());
    assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
  }

  @Test
  void anUnreadableFileIsReported(@TempDir Path dir) throws Exception {
    Path directory = Files.createDirectory(dir.resolve("a-directory.yaml"));
    TiercacheConfigException e = assertThrows(TiercacheConfigException.class,
        () -> provider.getCacheManager(directory.toUri(), null));
    assertTrue(e.getMessage().contains("a-directory.yaml"), e.getMessage());
  }

  @Test
  void aClusterWithMembersButNoNameIsRefused(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("nameless.yaml");
    Files.writeString(file, "tiercache:\n  cluster:\n    members: [127.0.0.1:5701]\n");
    TiercacheConfigException e = assertThrows(TiercacheConfigException.class,
        () -> provider.getCacheManager(file.toUri(), null));
    assertTrue(e.getMessage().contains("tiercache.cluster.name"), e.getMessage());
  }

  /** Each of these passed the parser before and went wrong later, silently or with Hazelcast's raw error. */
  @Test
  void mistakesThatUsedToPassAreNamedWithTheirLine(@TempDir Path dir) throws Exception {
    assertRefused(dir, "tiercache:\n  caches:\n    orders:\n      max-entries: 10\n    orders:\n      backups: 0\n",
        "line 5, 'tiercache.caches.orders': given twice (first on line 3)");
    assertRefused(dir, "tiercache:\n  defaults:\n    backups: 1\n    backups: 2\n",
        "line 4, 'tiercache.defaults.backups': given twice (first on line 3)");
    assertRefused(dir, "tiercache:\n  cluster:\n    name: orders\n",
        "'tiercache.cluster.members': a cluster named 'orders' needs its members");
    String cluster = "tiercache:\n  cluster:\n    name: c\n    members: [127.0.0.1:5701]\n    bind-address: ";
    assertRefused(dir, cluster + "0.0.0.0\n", "line 5, 'tiercache.cluster.bind-address': '0.0.0.0' (any address)");
    assertRefused(dir, cluster + "localhost\n", "'localhost' is not an IP address");
    assertRefused(dir, cluster + "999.1.1.1\n", "'999.1.1.1' is not an IP address");
    assertRefused(dir, cluster + "203.0.113.7\n", "'203.0.113.7' is not an address of this machine");
  }

  private void assertRefused(Path dir, String yaml, String expected) throws Exception {
    Path file = Files.createTempFile(dir, "tiercache-", ".yaml");
    Files.writeString(file, yaml);
    int members = Hazelcast.getAllHazelcastInstances().size();
    TiercacheConfigException e = assertThrows(TiercacheConfigException.class,
        () -> provider.getCacheManager(file.toUri(), null));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertTrue(e.getMessage().contains(file.getFileName().toString()), "names the file: " + e.getMessage());
    assertEquals(members, Hazelcast.getAllHazelcastInstances().size(), "no member started");
  }
}
