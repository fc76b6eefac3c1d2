package dev.tiercache.nearcache;

import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.map.impl.DataAwareEntryEvent;
import com.github.benmanes.caffeine.cache.Cache;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.MapEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.map.listener.MapClearedListener;
import com.hazelcast.map.listener.MapEvictedListener;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * The entry listener of one near cache (registered without values): hears every change of the map, from
 * whichever member made it, and drops the key from L1, value or reservation; a clear or evict-all of
 * the map drops everything. Invariant: an event delivered here leaves nothing of its key in L1, unless
 * the near cache is closed or the test hook {@link #drop} threw the event away. Events that are never
 * delivered are the repair's business ({@link NearCacheRepair}).
 */
final class NearCacheInvalidations implements EntryAddedListener<Object, Object>,
    EntryUpdatedListener<Object, Object>, EntryRemovedListener<Object, Object>,
    EntryEvictedListener<Object, Object>, EntryExpiredListener<Object, Object>,
    EntryMergedListener<Object, Object>, MapClearedListener, MapEvictedListener {

  /** Test hook: the share of cluster invalidation messages to drop, to prove the repair. */
  private static volatile double dropShare;

  private final Cache<Object, Object> entries;
  private final SerializationService serialization;
  private final LongAdder invalidations = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private volatile boolean closed;

  NearCacheInvalidations(Cache<Object, Object> entries, SerializationService serialization) {
    this.entries = entries;
    this.serialization = serialization;
  }

  /** Test hook: drop this share (0 to 1) of the cluster's invalidation messages in this JVM. */
  static void drop(double share) {
    dropShare = share;
  }

  /** Keys dropped because a change was announced. */
  long count() {
    return invalidations.sum();
  }

  /** Cluster invalidation messages dropped by {@link #drop}. */
  long dropped() {
    return dropped.sum();
  }

  /** Ignores events from now on: the near cache is closing. */
  void close() {
    closed = true;
  }

  private boolean ignored() {
    if (closed) {
      return true;
    }
    double share = dropShare;
    if (share > 0 && ThreadLocalRandom.current().nextDouble() < share) {
      dropped.increment();
      return true;
    }
    return false;
  }

  private void changed(EntryEvent<Object, Object> event) {
    if (ignored()) {
      return;
    }
    Object key = event.getKey();
    // A key held by its serialized form is dropped by L2's own bytes of it, as the event carries them
    // (serializing the deserialized key again may give other bytes).
    entries.invalidate(KeyIdentity.byValue(key.getClass()) ? key
        : event instanceof DataAwareEntryEvent<?, ?> withData ? withData.getKeyData() : serialization.toData(key));
    invalidations.increment();
  }

  private void changedAll() {
    if (ignored()) {
      return;
    }
    entries.invalidateAll();
    invalidations.increment();
  }

  @Override
  public void entryAdded(EntryEvent<Object, Object> event) {
    changed(event);
  }

  @Override
  public void entryUpdated(EntryEvent<Object, Object> event) {
    changed(event);
  }

  @Override
  public void entryRemoved(EntryEvent<Object, Object> event) {
    changed(event);
  }

  @Override
  public void entryEvicted(EntryEvent<Object, Object> event) {
    changed(event);
  }

  @Override
  public void entryExpired(EntryEvent<Object, Object> event) {
    changed(event);
  }

  @Override
  public void entryMerged(EntryEvent<Object, Object> event) {
    changed(event);
  }

  @Override
  public void mapCleared(MapEvent event) {
    changedAll();
  }

  @Override
  public void mapEvicted(MapEvent event) {
    changedAll();
  }
}
