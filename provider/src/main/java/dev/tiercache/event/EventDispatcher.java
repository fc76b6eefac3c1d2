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
 * call returns. Connected to the cluster ({@link Remote}), it hands them to the key's owner, which sends
 * them to every member that listens, this one included, in the order of the key's changes; they arrive
 * through {@link #publishHere}, and the call returns once the synchronous listeners, wherever they
 * are, have run. Not connected, it delivers them here on the calling thread. Asynchronous listeners get
 * the events through a queue of their own, so each sees the events in the order they arrived. Once
 * closed, the dispatcher delivers nothing more, so a late event never reaches a listener that has been
 * closed.
 */
public final class EventDispatcher<K, V> {

  private static final Logger LOG = Logger.getLogger(EventDispatcher.class.getName());

  /**
   * The listeners of the cache on the other members: whether any listens for a type, and publishing an
   * event to every member's listeners (this member's included) through the key's owner.
   */
  public interface Remote<K, V> {
    boolean listening(EventType type);

    /** Whether another member listens for events of any type (one volatile read: asked on every put). */
    boolean listeningToAny();

    /**
     * Publishes the event to every member listening for its type, this one included, through the key's
     * owner; returns once the synchronous listeners have run.
     *
     * @throws CacheEntryListenerException if a synchronous listener failed
     */
    void publish(EventType type, K key, V value, V oldValue);

    /** This member's listeners changed; the others are told. */
    void listenersChanged();
  }

  private final Cache<K, V> source;
  private final List<Registration<K, V>> registrations = new CopyOnWriteArrayList<>();
  private volatile Remote<K, V> remote;
  private volatile boolean closed;

  public EventDispatcher(Cache<K, V> source) {
    this.source = source;
  }

  /** From now on, events also go to the listeners on the other members, and theirs come here. */
  public void connect(Remote<K, V> others) {
    this.remote = others;
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
    listenersChanged();
  }

  private void listenersChanged() {
    Remote<K, V> others = remote;
    if (others != null) {
      others.listenersChanged();
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
          break;
        }
      }
    }
    listenersChanged();
  }

  /** Whether some listener, here or on another member, wants to know of events of this cache. */
  public boolean hasListeners() {
    if (!registrations.isEmpty()) {
      return true;
    }
    Remote<K, V> others = remote;
    return others != null && others.listeningToAny();
  }

  /** Whether some listener, here or on another member, wants to know of {@code type} events. */
  public boolean hasListeners(EventType type) {
    for (Registration<K, V> r : registrations) {
      if (r.accepts(type)) {
        return true;
      }
    }
    Remote<K, V> others = remote;
    return others != null && others.listening(type);
  }

  /**
   * What this member's listeners take, as the bits of {@code RemoteListeners}: 1 CREATED, 2 UPDATED,
   * 4 REMOVED, 8 EXPIRED, 16 any of them synchronous.
   */
  public int listening() {
    int bits = 0;
    for (Registration<K, V> r : registrations) {
      for (EventType type : EventType.values()) {
        if (r.accepts(type)) {
          bits |= bit(type);
        }
      }
      if (r.configuration.isSynchronous()) {
        bits |= 16;
      }
    }
    return bits;
  }

  /** The bit of {@code type} in {@link #listening()}. */
  public static int bit(EventType type) {
    return switch (type) {
      case CREATED -> 1;
      case UPDATED -> 2;
      case REMOVED -> 4;
      case EXPIRED -> 8;
    };
  }

  /**
   * Publishes one event. For REMOVED and EXPIRED, {@code value} is the value that was removed.
   *
   * @throws CacheEntryListenerException if a synchronous listener failed
   */
  public void publish(EventType type, K key, V value, V oldValue) {
    if (closed || !hasListeners(type)) {
      return;
    }
    Remote<K, V> cluster = remote;
    if (cluster == null) {
      publishHere(type, key, value, oldValue);
    } else {
      cluster.publish(type, key, value, oldValue); // comes back here through the owner
    }
  }

  /**
   * Publishes one event to this member's listeners only: one the key's owner sent, or, not connected,
   * one of this member's own.
   *
   * @throws CacheEntryListenerException if a synchronous listener failed
   */
  public void publishHere(EventType type, K key, V value, V oldValue) {
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
