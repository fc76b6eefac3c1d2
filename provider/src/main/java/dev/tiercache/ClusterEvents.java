package dev.tiercache;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.impl.HeapData;
import com.hazelcast.map.IMap;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.cluster.ExpireIfDue;
import dev.tiercache.cluster.PutProcessor;
import dev.tiercache.cluster.RemoteListeners;
import dev.tiercache.event.EventDispatcher;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.cache.event.CacheEntryListenerException;
import javax.cache.event.EventType;

/**
 * Connects a cache's {@link EventDispatcher} to the cache's listeners across the cluster
 * ({@link RemoteListeners}): an event of a change made here is published by the key's owner to every
 * member listening, this one included, and the events the owners publish are delivered to this
 * member's listeners. A change with synchronous listeners anywhere waits until they have run.
 */
final class ClusterEvents<K, V> implements EventDispatcher.Remote<K, V>, RemoteListeners.Receiver {

  private static final Logger LOG = Logger.getLogger(ClusterEvents.class.getName());
  private static final EventType[] BY_BIT = {null, EventType.CREATED, EventType.UPDATED, null, EventType.REMOVED,
      null, null, null, EventType.EXPIRED};
  /** The events a put may publish. */
  private static final int PUT_EVENTS = RemoteListeners.CREATED | RemoteListeners.UPDATED | RemoteListeners.EXPIRED;

  private final String cacheName;
  private final KeyValueCodec<K, V> codec;
  private final EventDispatcher<K, V> events;
  private final RemoteListeners cluster;

  /** Connects {@code events} of the cache whose map is {@code mapName}; tells the others of its listeners. */
  ClusterEvents(String cacheName, HazelcastInstance hazelcast, String mapName, KeyValueCodec<K, V> codec,
      EventDispatcher<K, V> events) {
    this.cacheName = cacheName;
    this.codec = codec;
    this.events = events;
    this.cluster = RemoteListeners.open(hazelcast, mapName, this);
    events.connect(this);
    if (events.listening() != 0) {
      cluster.listenersChanged();
    }
  }

  @Override
  public boolean listening(EventType type) {
    return cluster.listening(EventDispatcher.bit(type));
  }

  @Override
  public boolean listeningToAny() {
    return cluster.listening(RemoteListeners.CREATED | RemoteListeners.UPDATED | RemoteListeners.REMOVED
        | RemoteListeners.EXPIRED);
  }

  @Override
  public void publish(EventType type, K key, V value, V oldValue) {
    Data k = codec.keyData(key);
    throwIfFailed(cluster.publish(k, EventDispatcher.bit(type), k.toByteArray(),
        value == null ? null : codec.valueBytes(value), oldValue == null ? null : codec.valueBytes(oldValue)));
  }

  /**
   * {@code put} publishing its events on the owner, with the wait for synchronous listeners it needs
   * ({@code null}: none); run it, then {@link #afterPut}.
   */
  PublishingPut publishing(PutProcessor put, Data k) {
    RemoteListeners.Waiting waiting = cluster.expect(PUT_EVENTS);
    return new PublishingPut(cluster.publishing(put, k.toByteArray(), waiting), waiting);
  }

  /** A put that publishes its events, and its wait for the synchronous listeners. */
  record PublishingPut(PutProcessor processor, RemoteListeners.Waiting waiting) {}

  /**
   * Waits, after a {@link #publishing} put with result {@code outcome} ({@code null}: it failed), for the
   * synchronous listeners of its events.
   *
   * @throws CacheEntryListenerException if one failed
   */
  void afterPut(PublishingPut put, Long outcome) {
    if (put.waiting() == null) {
      return;
    }
    if (outcome == null || outcome == PutProcessor.NOT_STORED_CREATED) {
      put.waiting().cancel(); // no event, nobody to wait for
    } else {
      throwIfFailed(put.waiting().await(cluster));
    }
  }

  /**
   * Starts the sweeper's look at {@code k} on its owner ({@link ExpireIfDue}), publishing the EXPIRED
   * event there if a listener takes it, and returns without waiting for it; or returns {@code null} if a
   * synchronous listener takes EXPIRED events (the caller then runs {@link #expireIfDue}, which waits).
   */
  java.util.concurrent.CompletableFuture<Long> expireIfDueWithoutWaiting(IMap<Object, CacheRecord> map, Data k) {
    if (!events.hasListeners(EventType.EXPIRED)) {
      return map.submitToKey(k, ExpireIfDue.quietly()).toCompletableFuture();
    }
    if (cluster.waitsForSynchronous(RemoteListeners.EXPIRED)) {
      return null;
    }
    return map.submitToKey(k, cluster.expiring(k.toByteArray(), null)).toCompletableFuture();
  }

  /**
   * Runs the sweeper's look at {@code k} on its owner ({@link ExpireIfDue}; the caller holds the key's
   * lock), which publishes the EXPIRED event there if a listener takes it, and waits for the synchronous
   * ones. Returns the look's result.
   *
   * @throws CacheEntryListenerException if a synchronous listener failed (the entry is gone all the same)
   */
  long expireIfDue(IMap<Object, CacheRecord> map, Data k) {
    if (!events.hasListeners(EventType.EXPIRED)) {
      return (Long) map.executeOnKey(k, ExpireIfDue.quietly());
    }
    RemoteListeners.Waiting waiting = cluster.expect(RemoteListeners.EXPIRED);
    long result;
    try {
      result = (Long) map.executeOnKey(k, cluster.expiring(k.toByteArray(), waiting));
    } catch (RuntimeException e) {
      if (waiting != null) {
        waiting.cancel();
      }
      throw e;
    }
    if (waiting != null) {
      if (result == ExpireIfDue.EXPIRED) {
        throwIfFailed(waiting.await(cluster));
      } else {
        waiting.cancel();
      }
    }
    return result;
  }

  private void throwIfFailed(RuntimeException failure) {
    if (failure instanceof CacheEntryListenerException here) {
      throw here;
    }
    if (failure != null) {
      throw new CacheEntryListenerException("A synchronous listener of cache " + cacheName
          + " on another member failed: " + failure.getMessage());
    }
  }

  @Override
  public void listenersChanged() {
    cluster.listenersChanged();
  }

  @Override
  public RuntimeException receive(int type, byte[] key, byte[] value, byte[] oldValue) {
    try {
      events.publishHere(BY_BIT[type], codec.keyOf(new HeapData(key)),
          value == null ? null : codec.valueOf(value), oldValue == null ? null : codec.valueOf(oldValue));
      return null;
    } catch (CacheEntryListenerException e) {
      return e;
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "An event of cache " + cacheName + " could not be delivered", e);
      return null;
    }
  }

  @Override
  public int listening() {
    return events.listening();
  }

  /** Stops hearing the cache's events and tells the others this member's listeners are gone. */
  void close() {
    cluster.close();
  }
}
