package dev.tiercache.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cache.CacheManager;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two Spring Boot applications in one JVM, each a member of one two-member Tiercache cluster, on both
 * routes: Tiercache's native Spring cache manager, and Spring Boot's standard JCache support
 * ({@code spring.cache.type=jcache}) finding Tiercache as the JCache provider.
 */
class TwoApplicationsTest {

  @TempDir
  Path dir;

  private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

  @BeforeEach
  void reset() {
    TestApp.ProductRepository.LOADS.set(0);
    TestApp.ProductRepository.NULL_LOADS.set(0);
    TestApp.ProductRepository.DATABASE.clear();
  }

  @AfterEach
  void closeContexts() {
    contexts.forEach(ConfigurableApplicationContext::close);
  }

  private void startTwoApplications(String route) throws IOException {
    String cluster = "tiercache-spring-test-" + UUID.randomUUID();
    int[] ports = {freePort(), freePort()};
    String members = "[127.0.0.1:" + ports[0] + ", 127.0.0.1:" + ports[1] + "]";
    for (int port : ports) {
      Path file = dir.resolve(cluster + "-" + port + ".yaml");
      // On the native route the file lists the cache; on the standard route spring.cache.cache-names does.
      Files.writeString(file, "tiercache:\n  cluster:\n    name: " + cluster + "\n    port: " + port
          + "\n    members: " + members + "\n" + (route.equals("native") ? "  caches:\n    products:\n" : ""));
      List<String> properties = route.equals("native")
          ? List.of("tiercache.config=" + file.toUri())
          : List.of("spring.cache.type=jcache", "spring.cache.jcache.config=" + file.toUri(),
              "spring.cache.cache-names=products");
      contexts.add(new SpringApplicationBuilder(TestApp.class)
          .properties(properties.toArray(String[]::new))
          .properties("spring.main.banner-mode=off")
          .run());
    }
  }

  private TestApp.ProductRepository repository(int context) {
    return contexts.get(context).getBean(TestApp.ProductRepository.class);
  }

  @ParameterizedTest(name = "{0} route")
  @ValueSource(strings = {"native", "jcache"})
  void syncCacheableRunsTheMethodOnceFor32ThreadsOnEachOfTwoApplications(String route) throws Exception {
    startTwoApplications(route);
    if (route.equals("native")) {
      assertInstanceOf(TiercacheCacheManager.class, contexts.get(0).getBean(CacheManager.class));
    }
    // Spring Boot's dependency management pins another Hazelcast; the application still runs the one
    // Tiercache ships and was tested with.
    assertEquals("5.7.0", com.hazelcast.instance.BuildInfoProvider.getBuildInfo().getVersion());
    ExecutorService pool = Executors.newFixedThreadPool(64);
    try {
      CyclicBarrier start = new CyclicBarrier(64);
      List<Future<String>> calls = new ArrayList<>();
      for (int t = 0; t < 64; t++) {
        TestApp.ProductRepository repository = repository(t % 2);
        calls.add(pool.submit(() -> {
          start.await();
          return repository.find("p1");
        }));
      }
      for (Future<String> call : calls) {
        assertEquals("product-p1", call.get(30, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, TestApp.ProductRepository.LOADS.get(), "64 concurrent misses on two applications, one call");
  }

  /**
   * {@code @Cacheable(sync = true)} on a method returning a future: Spring's {@code Cache.retrieve(key, loader)}.
   * 32 callers on each application at once, one call of the method; the callers wait on futures, not threads.
   * The native route only: Spring's own {@code JCacheCache} refuses future-based retrieval on the standard one.
   */
  @org.junit.jupiter.api.Test
  void asyncSyncCacheableRunsTheMethodOnceFor32CallersOnEachOfTwoApplications() throws Exception {
    startTwoApplications("native");
    TestApp.ProductRepository.ASYNC_SYNC_LOADS.set(0);
    ExecutorService pool = Executors.newFixedThreadPool(64);
    try {
      CyclicBarrier start = new CyclicBarrier(64);
      List<Future<java.util.concurrent.CompletableFuture<String>>> calls = new ArrayList<>();
      for (int t = 0; t < 64; t++) {
        TestApp.ProductRepository repository = repository(t % 2);
        calls.add(pool.submit(() -> {
          start.await();
          return repository.findAsyncOnce("p9");
        }));
      }
      for (Future<java.util.concurrent.CompletableFuture<String>> call : calls) {
        assertEquals("async-once-p9", call.get(30, TimeUnit.SECONDS).get(30, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, TestApp.ProductRepository.ASYNC_SYNC_LOADS.get(), "64 concurrent misses, one call");
    assertEquals("async-once-p9", repository(1).findAsyncOnce("p9").get(10, TimeUnit.SECONDS), "now a hit");
    assertEquals(1, TestApp.ProductRepository.ASYNC_SYNC_LOADS.get());
  }

  @ParameterizedTest(name = "{0} route")
  @ValueSource(strings = {"native", "jcache"})
  void theApplicationsShareEntriesAndPutEvictAndNullsBehave(String route) throws Exception {
    startTwoApplications(route);
    repository(0).save("p2", "saved on the first application");
    assertEquals("saved on the first application", repository(1).find("p2"), "@CachePut seen by the other");
    assertEquals(0, TestApp.ProductRepository.LOADS.get());
    repository(1).delete("p2");
    assertEquals("product-p2", repository(0).find("p2"), "@CacheEvict seen by the other");
    assertEquals(1, TestApp.ProductRepository.LOADS.get());
    assertNull(repository(0).findMaybeMissing("nothing"));
    assertNull(repository(1).findMaybeMissing("nothing"), "a cached null (Spring's NullValue) came back from L2");
    assertEquals(1, TestApp.ProductRepository.NULL_LOADS.get());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
