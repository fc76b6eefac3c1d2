package dev.tiercache;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.map.IMap;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.cluster.ExpireIfDue;
import dev.tiercache.event.EventDispatcher;
import dev.tiercache.expiry.Expiry;
import dev.tiercache.expiry.ExpirySweeper;
import dev.tiercache.management.CacheStatistics;
import dev.tiercache.nearcache.NearCache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.cache.event.EventType;

/**
 * The records of one cache in L2 as the calling member changes them, under each key's cluster-wide lock:
 * read a live record (an expired one is removed there and then, with its EXPIRED event), store or
 * remove one, with the statistics and the event of the change. Every change here drops the key from
 * this member's near cache once L2 has it, before the operation returns (read-your-writes), and every
 * record that can expire is handed to the sweeper so that its EXPIRED event fires on time.
 *
 * <p>Keys are locked in one global order (by serialized form) when a batch takes several, so two
 * batches never deadlock.
 */
final class L2Records<K, V> {

  private static final Logger LOG = Logger.getLogger(L2Records.class.getName());

  /** How much longer than Tiercache's own expiry Hazelcast keeps an entry, as a backstop only. */
  private static final long BACKSTOP_TTL_MARGIN_MILLIS = 5_000;
  /**
   * How long a {@linkplain CacheRecord#lease lease} on an absent key lasts: the longest a caller may take
   * between a versioned read that found nothing and the put that names it (the query of the system of
   * record in between). Hazelcast's time to live ends it; a put after that is refused, never wrong.
   */
  static final long LEASE_MILLIS = 60_000;

  private final IMap<Object, CacheRecord> map;
  private final HazelcastInstance hazelcast;
  private final KeyValueCodec<K, V> codec;
  private final Expiry expiry;
  private final EventDispatcher<K, V> events;
  private final ClusterEvents<K, V> clusterEvents;
  private final CacheStatistics statistics;
  private final NearCache nearCache;
  private final ExpirySweeper<Data> sweeper;
  /** This member's watch over the expiry of the entries it owns; {@code null} if no entry expires. */
  private volatile OwnerExpiry ownerExpiry;
  private final BooleanSupplier closed;

  /** {@code nearCache} may be {@code null}; {@code closed} tells the sweeper to stop looking. */
  L2Records(String cacheName, IMap<Object, CacheRecord> map, HazelcastInstance hazelcast,
      SerializationService serialization, KeyValueCodec<K, V> codec, Expiry expiry, EventDispatcher<K, V> events,
      ClusterEvents<K, V> clusterEvents, CacheStatistics statistics, NearCache nearCache, BooleanSupplier closed) {
    this.map = map;
    this.hazelcast = hazelcast;
    this.codec = codec;
    this.expiry = expiry;
    this.events = events;
    this.clusterEvents = clusterEvents;
    this.statistics = statistics;
    this.nearCache = nearCache;
    this.closed = closed;
    // The owner watches the expiry of its entries too, unless nothing in this cache ever expires.
    this.sweeper = new ExpirySweeper<>(cacheName, this::expireIfDue, this::watchGainedPartitions);
    boolean expires = !(expiry.policy() instanceof javax.cache.expiry.EternalExpiryPolicy);
    this.ownerExpiry = !expires ? null : new OwnerExpiry(map, serialization, sweeper::schedule);
  }

  private void watchGainedPartitions() {
    OwnerExpiry watch = ownerExpiry; // null until the constructor has made it, and if nothing expires
    if (watch != null && !closed.getAsBoolean()) {
      watch.watchGainedPartitions();
    }
  }

  IMap<Object, CacheRecord> map() {
    return map;
  }

  // ------------------------------------------------------------------ locking

  /** Runs {@code body} while this thread holds the key's cluster-wide lock. */
  <T> T withLock(Data k, Supplier<T> body) {
    map.lock(k);
    try {
      return body.get();
    } finally {
      map.unlock(k);
    }
  }

  /** Takes the key's lock; returns whether another holder made this thread wait for it. */
  boolean lockNotingWait(Data k) {
    boolean waited = !map.tryLock(k);
    if (waited) {
      map.lock(k);
    }
    return waited;
  }

  void unlock(Data k) {
    map.unlock(k);
  }

  /** Locks the keys in one global order (by serialized form), so concurrent batches never deadlock. */
  List<Map.Entry<K, Data>> lockAll(Map<K, Data> keys) {
    List<Map.Entry<K, Data>> sorted = new ArrayList<>(keys.entrySet());
    sorted.sort(Comparator.comparing(e -> e.getValue().toByteArray(), Arrays::compare));
    List<Map.Entry<K, Data>> locked = new ArrayList<>(sorted.size());
    try {
      for (Map.Entry<K, Data> e : sorted) {
        map.lock(e.getValue());
        locked.add(e);
      }
    } catch (RuntimeException e) {
      unlockAll(locked);
      throw e;
    }
    return locked;
  }

  void unlockAll(List<Map.Entry<K, Data>> locked) {
    for (int i = locked.size() - 1; i >= 0; i--) {
      map.unlock(locked.get(i).getValue());
    }
  }

  // ------------------------------------------------------------------ reading

  /** The record as L2 holds it, live or expired, or {@code null}; no lock needed. */
  CacheRecord read(Data k) {
    return map.get(k);
  }

  CompletableFuture<CacheRecord> readAsync(Data k) {
    return map.getAsync(k).toCompletableFuture();
  }

  /** The record if it is live; an expired one is removed now, with its EXPIRED event. Caller holds the lock. */
  CacheRecord liveRecord(Data k, long now) {
    CacheRecord record = map.get(k);
    if (record != null && record.isExpiredAt(now)) {
      expire(k, record);
      return null;
    }
    return record;
  }

  /**
   * Leaves a {@linkplain CacheRecord#lease lease} on {@code k} unless it holds a record: one step on the
   * owner. Returns the record held instead (an entry, live or expired, or another caller's lease), or
   * {@code null} if the lease was left.
   */
  CacheRecord leaseIfAbsent(Data k, CacheRecord lease) {
    try {
      return map.putIfAbsent(k, lease, LEASE_MILLIS, TimeUnit.MILLISECONDS);
    } finally {
      invalidateNear(k);
    }
  }

  /** {@link #leaseIfAbsent} for a caller that holds the lock and has found nothing live (or a lease) there. */
  void storeLease(Data k, CacheRecord lease) {
    try {
      map.set(k, lease, LEASE_MILLIS, TimeUnit.MILLISECONDS);
    } finally {
      invalidateNear(k);
    }
  }

  /** Has the sweeper look at {@code k} when it is due to expire, so that its EXPIRED event fires then. */
  void scheduleExpiry(Data k, long expiresAt) {
    sweeper.schedule(k, expiresAt);
  }

  // ------------------------------------------------------------------ the expiry policy's access rule

  /** Asks the policy for the expiry after an access (no lock held) and stores it if it changed. */
  void touch(Data k, long seenVersion, long seenExpiresAt, long now) {
    long expiresAt = expiry.afterAccess(now);
    if (expiresAt == Expiry.UNCHANGED || expiresAt == seenExpiresAt) {
      return;
    }
    withLock(k, () -> {
      CacheRecord current = map.get(k);
      if (current != null && current.version() == seenVersion) {
        storeOrExpire(k, current.withExpiry(expiresAt), System.currentTimeMillis());
      }
      return null;
    });
  }

  /** The access rule for a read that happens while the caller already holds the lock. */
  void touchLocked(Data k, CacheRecord existing, long now) {
    long expiresAt = expiry.afterAccess(now);
    if (expiresAt != Expiry.UNCHANGED && expiresAt != existing.expiresAt()) {
      storeOrExpire(k, existing.withExpiry(expiresAt), now);
    }
  }

  // ------------------------------------------------------------------ changing (caller holds the lock)

  /** A put of a key with no live record: stores it with the creation expiry, counts the put, CREATED. */
  void create(K key, Data k, V value, byte[] bytes, long now) {
    create(key, k, value, bytes, now, true);
  }

  /** A put over {@code existing}: stores it with the update expiry, counts the put, UPDATED (or EXPIRED). */
  void update(K key, Data k, V value, byte[] bytes, CacheRecord existing, long now) {
    update(key, k, value, bytes, existing, now, true);
  }

  /**
   * Stores a value the loader brought in, over {@code existing} (the live record, or {@code null}): the
   * same expiry and events as a put, but not counted as one, and never written through. Its lifetime
   * starts now, when it is stored: a clock reading from before a slow load would let the value expire
   * early, or already be expired when the waiting readers look.
   */
  void storeLoaded(K key, Data k, V value, CacheRecord existing) {
    long now = System.currentTimeMillis();
    byte[] bytes = codec.valueBytes(codec.checkValueType(value));
    if (existing == null) {
      create(key, k, value, bytes, now, false);
    } else {
      update(key, k, value, bytes, existing, now, false);
    }
  }

  /**
   * Stores the value a background refresh loaded over {@code existing}, the record it refreshed: a new
   * life, with the creation expiry (an update's would keep a created entry's old expiry, and the refresh
   * would gain nothing); not counted as a put, never written through, UPDATED.
   */
  void storeRefreshed(K key, Data k, V value, CacheRecord existing) {
    long now = System.currentTimeMillis();
    byte[] bytes = codec.valueBytes(codec.checkValueType(value));
    long expiresAt = expiry.afterCreation(now);
    update(key, k, value, bytes, existing, now, expiresAt, expiry.refreshAt(now, expiresAt), false);
  }

  /**
   * A put with a time to live of its own (positive): the record expires {@code ttlMillis} from now
   * whether it is created or updated, the policy is not asked, jitter and refresh do not apply; counted,
   * CREATED or UPDATED as a put.
   */
  void putWithTimeToLive(K key, Data k, V value, byte[] bytes, CacheRecord existing, long now, long ttlMillis) {
    long expiresAt = now + ttlMillis < now ? CacheRecord.ETERNAL : now + ttlMillis;
    if (existing == null) {
      create(key, k, value, bytes, now, expiresAt, CacheRecord.ETERNAL, true);
    } else {
      update(key, k, value, bytes, existing, now, expiresAt, CacheRecord.ETERNAL, true);
    }
  }

  private void create(K key, Data k, V value, byte[] bytes, long now, boolean asPut) {
    long expiresAt = expiry.afterCreation(now);
    create(key, k, value, bytes, now, expiresAt, expiry.refreshAt(now, expiresAt), asPut);
  }

  private void create(K key, Data k, V value, byte[] bytes, long now, long expiresAt, long refreshAt,
      boolean asPut) {
    if (expiresAt <= now) {
      return; // created already expired: not stored, not counted, no event
    }
    store(k, CacheRecord.refreshing(bytes, expiresAt, refreshAt, CacheRecord.firstVersion()), now);
    if (asPut) {
      statistics.recordPuts(1);
    }
    events.publish(EventType.CREATED, key, value, null);
  }

  private void update(K key, Data k, V value, byte[] bytes, CacheRecord existing, long now, boolean asPut) {
    long expiresAt = expiry.afterUpdate(now);
    update(key, k, value, bytes, existing, now, expiresAt,
        expiresAt == Expiry.UNCHANGED ? existing.refreshAt() : expiry.refreshAt(now, expiresAt), asPut);
  }

  /**
   * {@code expiresAt}: the new expiry time, or {@link Expiry#UNCHANGED} to keep the current one;
   * {@code refreshAt}: the new refresh time.
   */
  private void update(K key, Data k, V value, byte[] bytes, CacheRecord existing, long now, long expiresAt,
      long refreshAt, boolean asPut) {
    CacheRecord next = CacheRecord.refreshing(bytes, expiresAt == Expiry.UNCHANGED ? existing.expiresAt() : expiresAt,
        refreshAt, existing.version() + 1);
    boolean stored = storeOrExpire(k, next, now);
    if (asPut) {
      statistics.recordPuts(1);
    }
    if (events.hasListeners()) {
      V old = codec.toValue(existing);
      if (stored) {
        events.publish(EventType.UPDATED, key, value, old);
      } else {
        events.publish(EventType.EXPIRED, key, old, old);
      }
    }
  }

  /** Removes the live record {@code existing}, counts the removal, REMOVED. Writing the delete is the caller's. */
  void remove(K key, Data k, CacheRecord existing) {
    delete(k);
    statistics.recordRemovals(1);
    if (events.hasListeners()) {
      V old = codec.toValue(existing);
      events.publish(EventType.REMOVED, key, old, old);
    }
  }

  /**
   * Writes {@code next}, or removes the entry if its expiry is already past (with an EXPIRED event
   * left to the caller). Returns whether the record was stored.
   */
  private boolean storeOrExpire(Data k, CacheRecord next, long now) {
    if (next.isExpiredAt(now)) {
      delete(k);
      return false;
    }
    store(k, next, now);
    return true;
  }

  private void store(Data k, CacheRecord record, long now) {
    try {
      if (record.expiresAt() == CacheRecord.ETERNAL) {
        map.set(k, record);
      } else {
        // Hazelcast's own TTL (whole seconds) only backs ours up, e.g. if this member dies before sweeping.
        long ttl = record.expiresAt() - now + BACKSTOP_TTL_MARGIN_MILLIS;
        map.set(k, record, ttl, TimeUnit.MILLISECONDS);
        sweeper.schedule(k, record.expiresAt());
      }
    } finally {
      invalidateNear(k);
    }
  }

  /** Deletes the entry from L2 and then from this member's near cache. */
  void delete(Data k) {
    try {
      map.delete(k);
    } finally {
      invalidateNear(k);
    }
  }

  /** Drops {@code k} from this member's near cache; called once a change of it is in L2. */
  void invalidateNear(Data k) {
    if (nearCache != null) {
      nearCache.invalidate(k);
    }
  }

  // ------------------------------------------------------------------ expiry

  /**
   * Removes {@code record} of {@code k} now, as expired, with its EXPIRED event (a lease has none: it
   * was never an entry). Caller holds the lock.
   */
  void expire(Data k, CacheRecord record) {
    delete(k);
    if (!record.isLease() && events.hasListeners(EventType.EXPIRED)) {
      K key = codec.keyOf(k);
      V old = codec.toValue(record);
      events.publish(EventType.EXPIRED, key, old, old);
    }
  }

  /**
   * Called by the sweeper: removes the key if it is expired; returns when to look again, if ever. The
   * look is one operation on the owner ({@link ExpireIfDue}: read, remove, publish). Where no
   * synchronous listener takes EXPIRED events, the sweeper does not wait for it: the operation waits
   * for the key's lock, if another caller holds it, without holding a thread, and a look slowed by a
   * partition on the move holds up no other key; when it is done it has the key looked at again if it is
   * not due yet. With a synchronous EXPIRED listener the sweeper waits (the listener must have run), and
   * only tries the key's lock, so that a key locked for a slow load does not hold up every cache's sweep.
   */
  private Long expireIfDue(Data k) {
    if (closed.getAsBoolean()) {
      return null;
    }
    java.util.concurrent.CompletableFuture<Long> look = clusterEvents.expireIfDueWithoutWaiting(map, k);
    if (look != null) {
      look.whenComplete((next, failure) -> afterLook(k, next == null ? ExpireIfDue.GONE : next, failure));
      return null; // looked at again, if it must be, by afterLook
    }
    if (!map.tryLock(k)) {
      return System.currentTimeMillis() + ExpirySweeper.TICK_MILLIS;
    }
    try {
      long next;
      try {
        next = clusterEvents.expireIfDue(map, k);
      } catch (RuntimeException e) {
        invalidateNear(k); // it may be gone (a synchronous listener failed after the removal)
        throw e;
      }
      if (next == ExpireIfDue.EXPIRED) {
        invalidateNear(k);
      }
      return next > 0 ? next : null; // EXPIRED, or GONE (a lease ends with its Hazelcast time to live)
    } catch (RuntimeException e) {
      if (closed.getAsBoolean() || !hazelcast.getLifecycleService().isRunning()) {
        return null;
      }
      throw e;
    } finally {
      try {
        map.unlock(k);
      } catch (RuntimeException e) {
        // the map was destroyed or the member stopped while sweeping: nothing left to unlock
      }
    }
  }

  /** What the sweeper does once a look it did not wait for is done. */
  private void afterLook(Data k, long next, Throwable failure) {
    if (failure != null) {
      if (!closed.getAsBoolean() && hazelcast.getLifecycleService().isRunning()) {
        LOG.log(Level.WARNING, "Expiry of an entry of " + map.getName() + " failed; looking again in "
            + ExpirySweeper.TICK_MILLIS + " ms", failure);
        sweeper.schedule(k, System.currentTimeMillis() + ExpirySweeper.TICK_MILLIS);
      }
      return;
    }
    if (next == ExpireIfDue.EXPIRED) {
      invalidateNear(k);
    } else if (next > 0 && !closed.getAsBoolean()) {
      sweeper.schedule(k, next);
    }
  }

  /** Stops the sweeper; the records stay in L2. */
  void close() {
    sweeper.close();
    if (ownerExpiry != null) {
      ownerExpiry.close();
    }
  }
}
