package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hazelcast.core.HazelcastInstance;
import dev.tiercache.ReadThroughSingleFlightTest.SlowLoader;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The member that is loading a key dies: a caller waiting on another member takes the load over. */
class LoaderDeathTest {

  @TempDir
  Path dir;

  @Test
  void aWaiterTakesOverTheLoadWhenTheLoadingMemberDies() throws Exception {
    SlowLoader.reset();
    try (TestCluster cluster = TestCluster.start(dir, 3)) {
      MutableConfiguration<String, String> config = new MutableConfiguration<String, String>()
          .setTypes(String.class, String.class)
          .setReadThrough(true)
          .setCacheLoaderFactory(FactoryBuilder.factoryOf(SlowLoader.class));
      Cache<String, String> survivor = cluster.manager(0).createCache("loaded", config);
      Cache<String, String> doomed = cluster.manager(2).createCache("loaded", config);

      CountDownLatch neverReleasedDuringTheTest = new CountDownLatch(1);
      SlowLoader.firstLoadBlocker = neverReleasedDuringTheTest;
      CompletableFuture.runAsync(() -> {
        try {
          doomed.get("k"); // blocks inside the loader, holding the key's lock
        } catch (RuntimeException expected) {
          // its member is gone by the time the loader returns
        }
      });
      while (SlowLoader.LOADS.get() < 1) {
        Thread.sleep(10);
      }
      CompletableFuture<String> waiter = CompletableFuture.supplyAsync(() -> survivor.get("k"));
      Thread.sleep(300);
      long killedAt = System.nanoTime();
      cluster.manager(2).unwrap(HazelcastInstance.class).getLifecycleService().terminate();

      assertEquals("loaded-k", waiter.get(120, TimeUnit.SECONDS), "the waiter got the value, not an endless wait");
      System.out.printf("waiter took the load over %d ms after the loading member died%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
      assertEquals(2, SlowLoader.LOADS.get(), "the dead member's load and the waiter's own");
      neverReleasedDuringTheTest.countDown();
      cluster.manager(0).destroyCache("loaded");
    } finally {
      SlowLoader.reset();
    }
  }
}
