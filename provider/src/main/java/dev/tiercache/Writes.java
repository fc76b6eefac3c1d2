package dev.tiercache;

import com.hazelcast.internal.serialization.Data;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.cluster.PutProcessor;
import dev.tiercache.cluster.WriteBehindPutProcessor;
import dev.tiercache.event.EventDispatcher;
import dev.tiercache.expiry.Expiry;
import dev.tiercache.integration.WriteBehind;
import dev.tiercache.management.CacheStatistics;
import java.util.Objects;

/**
 * The single-key changes of one cache: put, remove and replace in all their JCache forms. Each runs
 * under the key's cluster-wide lock (read the live record, write through, change the record, count,
 * publish), except two routes that need nobody on this member to take part and so run as one operation
 * on the key's owner, which Hazelcast orders with the locked ones:
 * <ul>
 *   <li>a put with no writer and constant expiry durations: one {@link PutProcessor}, which also
 *       publishes the put's events where the cache has listeners (the caller then waits for the
 *       synchronous ones);</li>
 *   <li>a write-behind put of an entry that never expires, no listener, records backed up and never
 *       evicted by Hazelcast: one {@link WriteBehindPutProcessor}, the record itself being the queue;</li>
 * </ul>
 * and a plain remove with no writer and no listener, one {@code IMap.remove}. The writer is called
 * before the record changes, so a writer failure changes nothing. Arguments arrive checked and
 * serialized.
 */
final class Writes<K, V> {

  /** A time to live meaning "as the expiry policy says" (a per-entry one is positive). */
  static final long POLICY_TTL = 0;

  private final L2Records<K, V> records;
  private final KeyValueCodec<K, V> codec;
  private final ChangeWriter<K, V> writer;
  private final EventDispatcher<K, V> events;
  private final ClusterEvents<K, V> clusterEvents;
  private final Expiry expiry;
  private final CacheStatistics statistics;
  /** Set only where a plain put may be one {@link WriteBehindPutProcessor} (see the class comment). */
  private final WriteBehind<K, V> oneOperationWriteBehind;

  Writes(L2Records<K, V> records, KeyValueCodec<K, V> codec, ChangeWriter<K, V> writer, EventDispatcher<K, V> events,
      ClusterEvents<K, V> clusterEvents, Expiry expiry, CacheStatistics statistics,
      WriteBehind<K, V> oneOperationWriteBehind) {
    this.records = records;
    this.codec = codec;
    this.writer = writer;
    this.events = events;
    this.clusterEvents = clusterEvents;
    this.expiry = expiry;
    this.statistics = statistics;
    this.oneOperationWriteBehind = oneOperationWriteBehind;
  }

  // ------------------------------------------------------------------ put

  /** How a plain put runs (see the class comment). */
  enum PutRoute {
    /** One {@link PutProcessor} on the key's owner. */
    ON_OWNER,
    /** One {@link PutProcessor} on the key's owner that publishes the put's events there. */
    ON_OWNER_PUBLISHING,
    /** One {@link WriteBehindPutProcessor} on the key's owner. */
    BEHIND_ON_OWNER,
    /** Lock, read, write through, change, unlock. */
    UNDER_LOCK
  }

  /** The route a plain put takes now (listeners may come and go). */
  PutRoute putRoute() {
    long[] durations = expiry.constantDurations();
    if (durations != null && !writer.writesThrough()) {
      return events.hasListeners() ? PutRoute.ON_OWNER_PUBLISHING : PutRoute.ON_OWNER;
    }
    if (oneOperationWriteBehind != null && !events.hasListeners() && neverExpires(durations)) {
      return PutRoute.BEHIND_ON_OWNER;
    }
    return PutRoute.UNDER_LOCK;
  }

  void put(K key, Data k, V value, byte[] bytes) {
    PutRoute route = putRoute();
    switch (route) {
      case ON_OWNER, ON_OWNER_PUBLISHING -> {
        long[] durations = expiry.constantDurations();
        long creation = expiry.storedDuration(durations[0]);
        long update = expiry.storedDuration(durations[1]);
        putOnOwner(k, new PutProcessor(bytes, creation, update, expiry.refreshAfter(creation),
            expiry.refreshAfter(update)), route == PutRoute.ON_OWNER_PUBLISHING);
      }
      case BEHIND_ON_OWNER -> putBehindOnOwner(key, value, k, bytes);
      case UNDER_LOCK -> putUnderLock(key, k, value, bytes);
    }
  }

  /**
   * A put with its own time to live ({@code ttlMillis}, positive): the entry expires that long after this
   * put, created or updated, whatever the policy says, and is never refreshed (a refresh would give it the
   * policy's life). One step on the owner (publishing its events there, if the cache has listeners) when
   * no writer takes part, whatever the policy (it is not asked).
   */
  void put(K key, Data k, V value, byte[] bytes, long ttlMillis) {
    if (!writer.writesThrough()) {
      putOnOwner(k, new PutProcessor(bytes, ttlMillis, ttlMillis, PutProcessor.ETERNAL, PutProcessor.ETERNAL),
          events.hasListeners());
    } else {
      putUnderLock(key, k, value, bytes, ttlMillis);
    }
  }

  V getAndPut(K key, Data k, V value, byte[] bytes) {
    return records.withLock(k, () -> {
      CacheRecord existing = records.liveRecord(k, System.currentTimeMillis());
      V previous = existing == null ? null : codec.toValue(existing);
      putLocked(key, k, value, bytes, existing);
      statistics.recordHitOrMiss(existing != null);
      return previous;
    });
  }

  /** {@code ttlMillis}: the entry's own time to live, or {@link #POLICY_TTL}. */
  boolean putIfAbsent(K key, Data k, V value, byte[] bytes, long ttlMillis) {
    return records.withLock(k, () -> {
      boolean absent = records.liveRecord(k, System.currentTimeMillis()) == null;
      if (absent) {
        writer.write(key, k, value, bytes);
        store(key, k, value, bytes, null, ttlMillis);
      }
      statistics.recordHitOrMiss(!absent);
      return absent;
    });
  }

  /** A put that takes the key's lock. */
  void putUnderLock(K key, Data k, V value, byte[] bytes) {
    putUnderLock(key, k, value, bytes, POLICY_TTL);
  }

  private void putUnderLock(K key, Data k, V value, byte[] bytes, long ttlMillis) {
    records.withLock(k, () -> {
      CacheRecord existing = records.liveRecord(k, System.currentTimeMillis());
      writer.write(key, k, value, bytes);
      store(key, k, value, bytes, existing, ttlMillis);
      return null;
    });
  }

  /** Write-through, then create or update the record, with events and statistics. Caller holds the lock. */
  void putLocked(K key, Data k, V value, byte[] bytes, CacheRecord existing) {
    writer.write(key, k, value, bytes);
    store(key, k, value, bytes, existing, POLICY_TTL);
  }

  /**
   * Creates the record or updates {@code existing}: with the policy's expiry, or to expire
   * {@code ttlMillis} from now when that is positive. Caller holds the lock and has written through.
   */
  private void store(K key, Data k, V value, byte[] bytes, CacheRecord existing, long ttlMillis) {
    long now = System.currentTimeMillis();
    if (ttlMillis > 0) {
      records.putWithTimeToLive(key, k, value, bytes, existing, now, ttlMillis);
    } else if (existing == null) {
      records.create(key, k, value, bytes, now);
    } else {
      records.update(key, k, value, bytes, existing, now);
    }
  }

  /**
   * The one-step put: when no writer and no expiry policy of the user's needs to be called here, the
   * whole put runs on the key's owner as a single entry processor, which says how long the value is
   * stored and when it is due for a refresh. Where the cache has listeners ({@code publishing}) the
   * processor publishes the put's events on the owner, and this call returns once the synchronous
   * listeners have run.
   */
  private void putOnOwner(Data k, PutProcessor put, boolean publishing) {
    ClusterEvents.PublishingPut publishingPut = publishing ? clusterEvents.publishing(put, k) : null;
    Long outcome = null;
    try {
      outcome = (Long) records.map().executeOnKey(k, publishingPut == null ? put : publishingPut.processor());
    } finally {
      records.invalidateNear(k);
      if (outcome == null && publishingPut != null) {
        clusterEvents.afterPut(publishingPut, null); // failed: nobody to wait for
      }
    }
    if (outcome != PutProcessor.NOT_STORED_CREATED && outcome != PutProcessor.NOT_STORED_AFTER_EXPIRY) {
      statistics.recordPuts(1);
    }
    if (outcome > 0 && outcome != CacheRecord.ETERNAL) {
      records.scheduleExpiry(k, outcome);
    }
    if (publishingPut != null) {
      clusterEvents.afterPut(publishingPut, outcome); // throws if a synchronous listener failed
    }
  }

  /**
   * A write-behind put in one operation on the owner: the record marked unwritten (see
   * {@link WriteBehindPutProcessor}). Only for entries that never expire and records that have a backup,
   * so that the record outlives any member failure that could take the change with it.
   */
  private void putBehindOnOwner(K key, V value, Data k, byte[] bytes) {
    long room = oneOperationWriteBehind.awaitRoom(k, bytes);
    boolean done;
    try {
      done = (Boolean) records.map().executeOnKey(k,
          new WriteBehindPutProcessor(bytes, records.map().getName()));
    } finally {
      oneOperationWriteBehind.landed(room);
      records.invalidateNear(k);
    }
    if (done) {
      statistics.recordPuts(1);
    } else { // the key has a change in the pending map: this one must follow it there
      putUnderLock(key, k, value, bytes);
    }
  }

  /** Whether constant durations (see {@link Expiry#constantDurations()}) make every entry eternal. */
  private static boolean neverExpires(long[] durations) {
    return durations != null && durations[0] == PutProcessor.ETERNAL
        && (durations[1] == PutProcessor.ETERNAL || durations[1] == PutProcessor.UNCHANGED);
  }

  // ------------------------------------------------------------------ remove

  boolean remove(K key, Data k) {
    if (!writer.writesThrough() && !events.hasListeners()) {
      // Nothing here needs to see the removal happen: one remove on the owner.
      CacheRecord existing;
      try {
        existing = records.map().remove(k);
      } finally {
        records.invalidateNear(k);
      }
      boolean removed = existing != null && !existing.isExpiredAt(System.currentTimeMillis());
      if (removed) {
        statistics.recordRemovals(1);
      }
      return removed;
    }
    return records.withLock(k, () -> {
      CacheRecord existing = records.liveRecord(k, System.currentTimeMillis());
      writer.delete(key, k);
      if (existing != null) {
        records.remove(key, k, existing);
      }
      return existing != null;
    });
  }

  boolean remove(K key, Data k, V oldValue) {
    return records.withLock(k, () -> {
      CacheRecord existing = liveRecordHolding(k, oldValue);
      if (existing == null) {
        return false;
      }
      writer.delete(key, k);
      records.remove(key, k, existing);
      return true;
    });
  }

  V getAndRemove(K key, Data k) {
    return records.withLock(k, () -> {
      CacheRecord existing = records.liveRecord(k, System.currentTimeMillis());
      writer.delete(key, k);
      statistics.recordHitOrMiss(existing != null);
      if (existing == null) {
        return null;
      }
      V previous = codec.toValue(existing);
      records.remove(key, k, existing);
      return previous;
    });
  }

  /**
   * The live record of {@code k} if it holds {@code expected}, else {@code null}; counts the hit or miss,
   * and a present value that differs counts as an access (the expiry policy's access rule). Caller holds
   * the lock.
   */
  private CacheRecord liveRecordHolding(Data k, V expected) {
    long now = System.currentTimeMillis();
    CacheRecord existing = records.liveRecord(k, now);
    statistics.recordHitOrMiss(existing != null);
    if (existing != null && !Objects.equals(codec.toValue(existing), expected)) {
      records.touchLocked(k, existing, now);
      return null;
    }
    return existing;
  }

  // ------------------------------------------------------------------ replace

  boolean replace(K key, Data k, V oldValue, V newValue, byte[] bytes) {
    return records.withLock(k, () -> {
      CacheRecord existing = liveRecordHolding(k, oldValue);
      if (existing == null) {
        return false;
      }
      writer.write(key, k, newValue, bytes);
      records.update(key, k, newValue, bytes, existing, System.currentTimeMillis());
      return true;
    });
  }

  /**
   * Replaces a present value; returns the old one (or a non-null marker if {@code wantOld} is false).
   * {@code ttlMillis}: the entry's own time to live from now on, or {@link #POLICY_TTL}.
   */
  @SuppressWarnings("unchecked")
  V getAndReplace(K key, Data k, V value, byte[] bytes, boolean wantOld, long ttlMillis) {
    return records.withLock(k, () -> {
      CacheRecord existing = records.liveRecord(k, System.currentTimeMillis());
      statistics.recordHitOrMiss(existing != null);
      if (existing == null) {
        return null;
      }
      V previous = wantOld ? codec.toValue(existing) : (V) Boolean.TRUE;
      writer.write(key, k, value, bytes);
      store(key, k, value, bytes, existing, ttlMillis);
      return previous;
    });
  }
}
