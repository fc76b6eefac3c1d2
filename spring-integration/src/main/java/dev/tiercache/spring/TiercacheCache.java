package dev.tiercache.spring;

import dev.tiercache.TierCache;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.cache.processor.EntryProcessorException;
import org.springframework.cache.support.AbstractValueAdaptingCache;

/**
 * A Spring {@link org.springframework.cache.Cache} over one Tiercache cache.
 *
 * <p>{@link #get(Object, Callable)}, which Spring calls for {@code @Cacheable(sync = true)}, runs the
 * value loader inside an entry processor, that is under the key's cluster-wide lock: however many threads
 * on however many application instances miss the same key at once, the method runs once and the
 * others get its value. {@link #retrieve(Object)} reads L2 asynchronously, without holding a thread
 * while it waits; {@link #retrieve(Object, Supplier)} loads a miss through the supplied future once
 * cluster-wide, and its waiting callers hold no thread either. {@link #clear()} empties the cache only:
 * it never calls the cache writer, so
 * {@code @CacheEvict(allEntries = true)} on a write-through cache deletes no rows. Spring's
 * {@code NullValue} is stored like any value, so cached nulls survive the trip through L2.
 */
public final class TiercacheCache extends AbstractValueAdaptingCache {

  private final TierCache<Object, Object> cache;

  public TiercacheCache(TierCache<Object, Object> cache, boolean allowNullValues) {
    super(allowNullValues);
    this.cache = Objects.requireNonNull(cache, "cache");
  }

  @Override
  public String getName() {
    return cache.getName();
  }

  @Override
  public TierCache<Object, Object> getNativeCache() {
    return cache;
  }

  @Override
  protected Object lookup(Object key) {
    return cache.get(key);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T get(Object key, Callable<T> valueLoader) {
    Object cached = cache.getIfPresent(key); // a near cache hit takes no lock
    if (cached != null) {
      return (T) fromStoreValue(cached);
    }
    try {
      return (T) cache.invoke(key, (entry, arguments) -> {
        if (entry.exists()) {
          return fromStoreValue(entry.getValue());
        }
        T value;
        try {
          value = valueLoader.call();
        } catch (Exception e) {
          throw new ValueRetrievalException(key, valueLoader, e);
        }
        cache.statistics().recordLoads(1); // the annotated method is this cache's loader
        entry.setValue(toStoreValue(value));
        return value;
      });
    } catch (EntryProcessorException e) {
      if (e.getCause() instanceof ValueRetrievalException retrieval) {
        throw retrieval;
      }
      throw e;
    }
  }

  @Override
  public CompletableFuture<?> retrieve(Object key) {
    return cache.getAsync(key).thenApply(value -> value == null ? null : toValueWrapper(value));
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> retrieve(Object key, Supplier<CompletableFuture<T>> valueLoader) {
    // One load cluster-wide; the callers that wait for it hold no thread (TierCache.getAsync(key, function)).
    // The loader's own failure reaches this caller as it is, as with Spring's other caches, not wrapped in
    // the CacheLoaderException the cache reports it with.
    AtomicReference<Throwable> loaderFailure = new AtomicReference<>();
    return cache.getAsync(key, k -> valueLoader.get().whenComplete((value, failure) -> {
      if (failure != null) {
        loaderFailure.set(unwrapped(failure));
      }
    }).thenApply(this::toStoreValue)).handle((stored, failure) -> {
      if (failure == null) {
        return (T) fromStoreValue(stored);
      }
      Throwable own = loaderFailure.get();
      throw new CompletionException(own != null ? own : unwrapped(failure));
    });
  }

  /** The failure inside a {@code CompletionException}, or {@code failure} itself. */
  private static Throwable unwrapped(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
  }

  @Override
  public void put(Object key, Object value) {
    cache.put(key, toStoreValue(value));
  }

  @Override
  public ValueWrapper putIfAbsent(Object key, Object value) {
    Object existing = cache.invoke(key, (entry, arguments) -> {
      if (entry.exists()) {
        return entry.getValue();
      }
      entry.setValue(toStoreValue(value));
      return null;
    });
    return existing == null ? null : toValueWrapper(existing);
  }

  @Override
  public void evict(Object key) {
    cache.remove(key);
  }

  @Override
  public boolean evictIfPresent(Object key) {
    return cache.remove(key);
  }

  @Override
  public void clear() {
    cache.clear();
  }

  @Override
  public boolean invalidate() {
    cache.clear();
    return true;
  }
}
