package dev.tiercache.benchmarks;

import java.io.Serializable;
import java.net.URI;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.spi.CachingProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What entry listeners cost a put, on a two-member cluster in one JVM (one backup, near caches on,
 * the defaults): a plain put on a cache nobody listens to; on a cache with an asynchronous listener on
 * the member that puts; and on a cache whose synchronous listener is on the other member, which the put
 * waits for. The latency of an event from the put on one member to a listener on the other is
 * {@code ListenerLatency}'s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Djava.net.preferIPv4Stack=true", "-Dhazelcast.logging.type=none"})
public class ListenerBenchmark {

  private static final int KEYS = 10_000;

  private CachingProvider provider;
  private Cache<String, String> plain;
  private Cache<String, String> asyncHere;
  private Cache<String, String> syncThere;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    provider = Caching.getCachingProvider("dev.tiercache.TierCachingProvider");
    List<URI> members = WriteBenchmark.twoMemberCluster();
    CacheManager first = provider.getCacheManager(members.get(0), null);
    CacheManager second = provider.getCacheManager(members.get(1), null);
    plain = first.createCache("plain", config());
    second.getCache("plain", String.class, String.class);
    asyncHere = first.createCache("async-here", config());
    second.getCache("async-here", String.class, String.class);
    asyncHere.registerCacheEntryListener(listener(false));
    syncThere = first.createCache("sync-there", config());
    second.getCache("sync-there", String.class, String.class).registerCacheEntryListener(listener(true));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    provider.close();
  }

  static MutableConfiguration<String, String> config() {
    return new MutableConfiguration<String, String>().setTypes(String.class, String.class);
  }

  static MutableCacheEntryListenerConfiguration<String, String> listener(boolean synchronous) {
    return new MutableCacheEntryListenerConfiguration<>(FactoryBuilder.factoryOf(Counting.class), null, true,
        synchronous);
  }

  @Benchmark
  public void plainPut() {
    int key = ThreadLocalRandom.current().nextInt(KEYS);
    plain.put("k" + key, "value-" + key);
  }

  @Benchmark
  public void putWithAsynchronousListenerHere() {
    int key = ThreadLocalRandom.current().nextInt(KEYS);
    asyncHere.put("k" + key, "value-" + key);
  }

  @Benchmark
  public void putWithSynchronousListenerOnTheOtherMember() {
    int key = ThreadLocalRandom.current().nextInt(KEYS);
    syncThere.put("k" + key, "value-" + key);
  }

  /** Counts what it hears, and nothing more. */
  public static final class Counting implements CacheEntryCreatedListener<String, String>,
      CacheEntryUpdatedListener<String, String>, Serializable {
    static final java.util.concurrent.atomic.LongAdder HEARD = new java.util.concurrent.atomic.LongAdder();

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      events.forEach(e -> HEARD.increment());
    }

    @Override
    public void onUpdated(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      events.forEach(e -> HEARD.increment());
    }
  }
}
