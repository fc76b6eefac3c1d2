package dev.tiercache;

import com.hazelcast.internal.serialization.Data;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.cache.integration.CacheLoaderException;

/**
 * The single-flight load of {@code TierCache.getAsync(key, function)}, for callers that must not hold a
 * thread while they wait (Spring's {@code Cache.retrieve(key, loader)}). Callers on one member that miss
 * the same key share one future; its load runs {@link ReadThrough#loadMissing} on a loading thread, which
 * takes the key's cluster-wide lock, so members that miss together load once cluster-wide (the others
 * find the value, or the failure they waited for). One thread per key being loaded on this member,
 * whatever the number of callers; a loading thread waits for the caller's future while it holds the lock.
 */
final class AsyncReadThrough<K, V> {

  private final ReadThrough<K, V> readThrough;
  private final Map<Data, CompletableFuture<V>> inFlight = new ConcurrentHashMap<>();
  private final ExecutorService loading;

  AsyncReadThrough(String cacheName, ReadThrough<K, V> readThrough) {
    this.readThrough = readThrough;
    AtomicInteger threads = new AtomicInteger();
    this.loading = Executors.newCachedThreadPool(task -> {
      Thread thread = new Thread(task, "tiercache-async-load-" + cacheName + "-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
  }

  /** The value of a key the caller missed, loaded once through {@code function}; see the class comment. */
  CompletableFuture<V> load(K key, Data k, Function<? super K, ? extends CompletionStage<? extends V>> function) {
    CompletableFuture<V> mine = new CompletableFuture<>();
    CompletableFuture<V> running = inFlight.putIfAbsent(k, mine);
    if (running != null) {
      return running.thenApply(Function.identity()); // a view: a caller cannot complete the shared one
    }
    try {
      loading.execute(() -> {
        try {
          mine.complete(readThrough.loadMissing(key, k, loaded -> await(function.apply(loaded))));
        } catch (Throwable t) {
          mine.completeExceptionally(t);
        } finally {
          inFlight.remove(k, mine);
        }
      });
    } catch (RuntimeException e) { // closed: no more loading threads
      inFlight.remove(k, mine);
      mine.completeExceptionally(e);
    }
    return mine.thenApply(Function.identity());
  }

  /** The caller's future's value, on the loading thread; its failure as the load's failure. */
  private V await(CompletionStage<? extends V> stage) {
    if (stage == null) {
      throw new CacheLoaderException("The mapping function returned no future");
    }
    try {
      return stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw cause instanceof RuntimeException runtime ? runtime : new CacheLoaderException(cause);
    }
  }

  /** Stops the loading threads once the loads in flight are done. */
  void close() {
    loading.shutdown();
  }
}
