package dev.tiercache.event;

import java.io.Closeable;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.cache.Cache;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.Factory;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEventFilter;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.event.CacheEntryListener;
import javax.cache.event.CacheEntryListenerException;
import javax.cache.event.CacheEntryRemovedListener;
import javax.cache.event.CacheEntryUpdatedListener;
import javax.cache.event.EventType;

/**
 * Delivers a cache's entry events to its registered JCache listeners.
 *
 * <p>The member that performs an operation publishes its events after the operation and before the
 * call returns: synchronous listeners run on the calling thread, so they have completed when the
 * call returns; asynchronous listeners get the events through a queue of their own, so each sees the
 * events in the order they were published. Once closed, the dispatcher delivers nothing more, so a
 * late event never reaches a listener that has been closed.
 */
public final class EventDispatcher<K, V> {

  private static final Logger LOG = Logger.getLogger(EventDispatcher.class.getName());

  private final Cache<K, V> source;
  private final List<Registration<K, V>> registrations = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  public EventDispatcher(Cache<K, V> source) {
    this.source = source;
  }

  /**
   * Instantiates the configuration's listener and filter and starts delivering to them.
   *
   * @throws IllegalArgumentException if an equal configuration is already registered
   */
  public void register(CacheEntryListenerConfiguration<K, V> configuration) {
    Objects.requireNonNull(configuration, "listener configuration");
    synchronized (registrations) {
      for (Registration<K, V> r : registrations) {
        if (r.configuration.equals(configuration)) {
          throw new IllegalArgumentException("Listener configuration already registered: " + configuration);
        }
      }
      registrations.add(new Registration<>(configuration));
    }
  }

  /** Stops delivering to that configuration's listener and closes it; unknown configurations are ignored. */
  public void deregister(CacheEntryListenerConfiguration<K, V> configuration) {
    Objects.requireNonNull(configuration, "listener configuration");
    synchronized (registrations) {
      for (Registration<K, V> r : registrations) {
        if (r.configuration.equals(configuration)) {
          registrations.remove(r);
          r.close();
          return;
        }
      }
    }
  }

  public boolean hasListeners() {
    return !registrations.isEmpty();
  }

  /** Whether some listener wants to know of {@code type} events. */
  public boolean hasListeners(EventType type) {
    for (Registration<K, V> r : registrations) {
      if (r.accepts(type)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Publishes one event. For REMOVED and EXPIRED, {@code value} is the value that was removed.
   *
   * @throws CacheEntryListenerException if a synchronous listener failed
   */
  public void publish(EventType type, K key, V value, V oldValue) {
    if (closed) {
      return;
    }
    CacheEntryListenerException failure = null;
    for (Registration<K, V> r : registrations) {
      if (!r.accepts(type)) {
        continue;
      }
      // A REMOVED or EXPIRED event always carries the removed value (as value and old value): the
      // specification allows it and it costs nothing, since the value is in hand anyway.
      boolean oldValueAvailable = oldValue != null
          && (r.configuration.isOldValueRequired() || type == EventType.REMOVED || type == EventType.EXPIRED);
      TierCacheEntryEvent<K, V> event =
          new TierCacheEntryEvent<>(source, type, key, value, oldValue, oldValueAvailable);
      if (r.configuration.isSynchronous()) {
        try {
          r.deliver(event);
        } catch (CacheEntryListenerException e) {
          failure = e;
        } catch (RuntimeException e) {
          failure = new CacheEntryListenerException(e);
        }
      } else {
        r.enqueue(event);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Closes every listener and filter; nothing is delivered afterwards. */
  public void close() {
    closed = true;
    synchronized (registrations) {
      for (Registration<K, V> r : registrations) {
        r.close();
      }
      registrations.clear();
    }
  }

  /** One registered listener with its filter and, for asynchronous delivery, its own ordered queue. */
  private static final class Registration<K, V> {
    private static final Executor ASYNC = ForkJoinPool.commonPool();

    final CacheEntryListenerConfiguration<K, V> configuration;
    final CacheEntryListener<? super K, ? super V> listener;
    final CacheEntryEventFilter<? super K, ? super V> filter;
    private final ArrayDeque<TierCacheEntryEvent<K, V>> queue = new ArrayDeque<>();
    private boolean draining;
    private volatile boolean closed;

    Registration(CacheEntryListenerConfiguration<K, V> configuration) {
      this.configuration = configuration;
      Factory<CacheEntryListener<? super K, ? super V>> listenerFactory =
          configuration.getCacheEntryListenerFactory();
      if (listenerFactory == null) {
        throw new IllegalArgumentException("Listener configuration has no listener factory");
      }
      this.listener = listenerFactory.create();
      Factory<CacheEntryEventFilter<? super K, ? super V>> filterFactory =
          configuration.getCacheEntryEventFilterFactory();
      this.filter = filterFactory == null ? null : filterFactory.create();
    }

    boolean accepts(EventType type) {
      return switch (type) {
        case CREATED -> listener instanceof CacheEntryCreatedListener;
        case UPDATED -> listener instanceof CacheEntryUpdatedListener;
        case REMOVED -> listener instanceof CacheEntryRemovedListener;
        case EXPIRED -> listener instanceof CacheEntryExpiredListener;
      };
    }

    @SuppressWarnings("unchecked")
    void deliver(TierCacheEntryEvent<K, V> event) {
      if (closed || (filter != null && !filter.evaluate(event))) {
        return;
      }
      List<javax.cache.event.CacheEntryEvent<? extends K, ? extends V>> events = List.of(event);
      Iterable<javax.cache.event.CacheEntryEvent<? extends K, ? extends V>> batch = events;
      switch (event.getEventType()) {
        case CREATED -> ((CacheEntryCreatedListener<K, V>) listener).onCreated(batch);
        case UPDATED -> ((CacheEntryUpdatedListener<K, V>) listener).onUpdated(batch);
        case REMOVED -> ((CacheEntryRemovedListener<K, V>) listener).onRemoved(batch);
        case EXPIRED -> ((CacheEntryExpiredListener<K, V>) listener).onExpired(batch);
      }
    }

    void enqueue(TierCacheEntryEvent<K, V> event) {
      synchronized (queue) {
        queue.add(event);
        if (draining) {
          return;
        }
        draining = true;
      }
      ASYNC.execute(this::drain);
    }

    private void drain() {
      while (true) {
        TierCacheEntryEvent<K, V> next;
        synchronized (queue) {
          next = queue.poll();
          if (next == null) {
            draining = false;
            return;
          }
        }
        try {
          deliver(next);
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "Asynchronous cache entry listener failed on " + next, e);
        }
      }
    }

    void close() {
      closed = true;
      closeQuietly(listener);
      closeQuietly(filter);
    }

    private static void closeQuietly(Object resource) {
      if (resource instanceof Closeable || resource instanceof AutoCloseable) {
        try {
          ((AutoCloseable) resource).close();
        } catch (Exception e) {
          LOG.log(Level.WARNING, "Closing " + resource + " failed", e);
        }
      }
    }
  }
}
