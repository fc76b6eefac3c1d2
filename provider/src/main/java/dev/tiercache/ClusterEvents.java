package dev.tiercache;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.impl.HeapData;
import dev.tiercache.cluster.RemoteListeners;
import dev.tiercache.event.EventDispatcher;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.cache.event.CacheEntryListenerException;
import javax.cache.event.EventType;

/**
 * Connects a cache's {@link EventDispatcher} to its listeners on the other members
 * ({@link RemoteListeners}): events this member publishes go, serialized, to every member listening
 * for their type, and the events those members send are delivered to this member's listeners.
 */
final class ClusterEvents<K, V> implements EventDispatcher.Remote<K, V>, RemoteListeners.Receiver {

  private static final Logger LOG = Logger.getLogger(ClusterEvents.class.getName());
  private static final EventType[] BY_BIT = {null, EventType.CREATED, EventType.UPDATED, null, EventType.REMOVED,
      null, null, null, EventType.EXPIRED};

  private final String cacheName;
  private final KeyValueCodec<K, V> codec;
  private final EventDispatcher<K, V> events;
  private final RemoteListeners others;

  /** Connects {@code events} of the cache whose map is {@code mapName}; tells the others of its listeners. */
  ClusterEvents(String cacheName, HazelcastInstance hazelcast, String mapName, KeyValueCodec<K, V> codec,
      EventDispatcher<K, V> events) {
    this.cacheName = cacheName;
    this.codec = codec;
    this.events = events;
    this.others = RemoteListeners.open(hazelcast, mapName, this);
    events.connect(this);
    if (events.listening() != 0) {
      others.listenersChanged();
    }
  }

  @Override
  public boolean listening(EventType type) {
    return others.listening(EventDispatcher.bit(type));
  }

  @Override
  public boolean listeningToAny() {
    return others.listening(RemoteListeners.CREATED | RemoteListeners.UPDATED | RemoteListeners.REMOVED
        | RemoteListeners.EXPIRED);
  }

  @Override
  public void publish(EventType type, K key, V value, V oldValue) {
    String failure = others.send(EventDispatcher.bit(type), codec.keyData(key).toByteArray(),
        value == null ? null : codec.valueBytes(value), oldValue == null ? null : codec.valueBytes(oldValue));
    if (failure != null) {
      throw new CacheEntryListenerException("A synchronous listener of cache " + cacheName
          + " on another member failed: " + failure);
    }
  }

  @Override
  public void listenersChanged() {
    others.listenersChanged();
  }

  @Override
  public String receive(int type, byte[] key, byte[] value, byte[] oldValue) {
    try {
      events.publishHere(BY_BIT[type], codec.keyOf(new HeapData(key)),
          value == null ? null : codec.valueOf(value), oldValue == null ? null : codec.valueOf(oldValue));
      return null;
    } catch (CacheEntryListenerException e) {
      return String.valueOf(e.getCause() != null ? e.getCause() : e.getMessage());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "An event of cache " + cacheName + " from another member could not be delivered", e);
      return null;
    }
  }

  @Override
  public int listening() {
    return events.listening();
  }

  /** Stops hearing the others' events and tells them this member's listeners are gone. */
  void close() {
    others.close();
  }
}
