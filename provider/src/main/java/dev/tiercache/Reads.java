package dev.tiercache;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.impl.HeapData;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.expiry.Expiry;
import dev.tiercache.management.CacheStatistics;
import dev.tiercache.nearcache.NearCache;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import javax.cache.CacheException;

/**
 * Plain reads of one cache, without a lock: this member's near cache first, then L2. A value read from
 * L2 is kept in the near cache only through a reservation taken before the read, and only if no
 * invalidation of the key arrived in between ({@link NearCache#publish}); so a value read before a change
 * is never cached after it. A reservation not published is always released. Reads never load: a miss
 * is the caller's to count or to load (see {@link ReadThrough}). In a cache that refreshes, a read of a
 * value past its refresh time hands the key to the {@link Refresher} and returns the value at once.
 */
final class Reads<K, V> {

  /** Keys per L2 read when a near cache warms up. */
  private static final int NEAR_WARM_UP_BATCH = 500;

  private final L2Records<K, V> records;
  private final KeyValueCodec<K, V> codec;
  private final Expiry expiry;
  private final CacheStatistics statistics;
  private final NearCache nearCache;
  private final Refresher<K, V> refresher;

  /**
   * {@code nearCache} may be {@code null}: every read then goes to L2; {@code refresher} is {@code null}
   * unless the cache refreshes.
   */
  Reads(L2Records<K, V> records, KeyValueCodec<K, V> codec, Expiry expiry, CacheStatistics statistics,
      NearCache nearCache, Refresher<K, V> refresher) {
    this.records = records;
    this.codec = codec;
    this.expiry = expiry;
    this.statistics = statistics;
    this.nearCache = nearCache;
    this.refresher = refresher;
  }

  /**
   * A live value from the near cache, as a private copy, with the statistics and the access rule of
   * the expiry policy applied as for an L2 hit; {@code null} if L1 has none (or there is no near cache).
   */
  V nearHit(K key) {
    if (nearCache == null) {
      return null;
    }
    NearCache.Entry entry = nearCache.get(key);
    if (entry == null) {
      return null;
    }
    long expiresAt = entry.expiresAt();
    long now = expiresAt == CacheRecord.ETERNAL && expiry.accessKeepsExpiry() ? 0 : System.currentTimeMillis();
    if (expiresAt != CacheRecord.ETERNAL && expiresAt <= now) {
      return null; // L2 decides: it removes the entry and tells every member
    }
    @SuppressWarnings("unchecked")
    V value = (V) entry.value();
    statistics.recordNearHits(1);
    if (refresher != null) {
      refreshIfDue(key, entry.key(), entry.version(), entry.refreshAt(), expiresAt, now);
    }
    if (!expiry.accessKeepsExpiry()) {
      records.touch(entry.key(), entry.version(), expiresAt, now);
    }
    return value;
  }

  /**
   * Reads a live entry from L2 (keeping it in the near cache, if there is one) and applies the access
   * rule of the expiry policy; counts a hit if found. A miss is not counted here, because a
   * read-through load may still find the value.
   */
  V readAndTouch(K key, Data k) {
    return readAndTouch(key, k, nearCache == null ? null : nearCache.reserve(key, k));
  }

  /** A read that does not fill the near cache, nor refresh (a walk over every entry, say). */
  V readAndTouchWithoutCaching(Data k) {
    return readAndTouch(null, k, null);
  }

  /** {@code key} {@code null}: the read does not start a refresh. */
  private V readAndTouch(K key, Data k, Object reservation) {
    try {
      CacheRecord record = records.read(k);
      long now = System.currentTimeMillis();
      if (record == null) {
        return null;
      }
      if (record.isExpiredAt(now)) {
        if (!record.isLease()) {
          records.scheduleExpiry(k, record.expiresAt());
        }
        return null;
      }
      V value = codec.toValue(record);
      statistics.recordHits(1);
      publish(reservation, k, record, value);
      reservation = null;
      if (refresher != null && key != null) {
        refreshIfDue(key, k, record.version(), record.refreshAt(), record.expiresAt(), now);
      }
      records.touch(k, record.version(), record.expiresAt(), now);
      return value;
    } finally {
      release(reservation);
    }
  }

  /**
   * {@code getAll}'s reads: the values found live, in the order of {@code keys}; each key not found is
   * added to {@code missing} with its serialized form, for the caller to count or load.
   */
  Map<K, V> readAll(Set<? extends K> keys, Map<K, Data> missing) {
    Map<K, V> result = new LinkedHashMap<>();
    for (K key : keys) {
      V hit = nearHit(key);
      if (hit != null) {
        result.put(key, hit);
        continue;
      }
      Data k = codec.keyData(key);
      V value = readAndTouch(key, k);
      if (value != null) {
        result.put(key, value);
      } else {
        missing.put(key, k);
      }
    }
    return result;
  }

  /**
   * The L2 read of {@code get} without blocking the caller: Hazelcast's asynchronous get, the value
   * deserialized when it arrives. Only for reads that have nothing more to do than read (no
   * read-through, so no refresh either; an expiry policy that keeps expiry on access); the near cache
   * was asked already.
   */
  CompletableFuture<V> readAsync(K key, Data k) {
    return readAsync(key, k, true);
  }

  /**
   * {@link #readAsync(Object, Data)}; {@code countMiss} false for a caller that loads a miss, whose
   * single-flight load counts it under the lock.
   */
  CompletableFuture<V> readAsync(K key, Data k, boolean countMiss) {
    Object reservation = nearCache == null ? null : nearCache.reserve(key, k);
    CompletableFuture<CacheRecord> read;
    try {
      read = records.readAsync(k);
    } catch (RuntimeException e) {
      release(reservation);
      throw e;
    }
    return read.handle((record, failure) -> {
      if (failure != null || record == null || record.isExpiredAt(System.currentTimeMillis())) {
        release(reservation);
        if (failure != null) {
          throw failure instanceof RuntimeException e ? e : new CacheException(failure);
        }
        if (countMiss) {
          statistics.recordMisses(1);
        }
        return null;
      }
      statistics.recordHits(1);
      V value = codec.toValue(record);
      publish(reservation, k, record, value);
      return value;
    });
  }

  /** Counts a hit in the stale window, and hands a value past its refresh time to the refresher. */
  private void refreshIfDue(K key, Data k, long version, long refreshAt, long expiresAt, long now) {
    if (expiry.isStaleAt(expiresAt, now)) {
      statistics.recordStaleHits(1);
    }
    if (refreshAt <= now) {
      refresher.request(key, k, version);
    }
  }

  /**
   * Fills the near cache of a member that just opened the cache with keys hot on the others: the union
   * of their answers ({@code CacheProbe.hottestKeys}), at most {@code limit} keys, read from L2 in
   * batches through reservations as any read (so a change racing the warm-up is never cached over).
   * Counts nothing: these are not the application's reads.
   */
  void warmNearCache(List<byte[][]> answers, int limit) {
    if (nearCache == null) {
      return;
    }
    Set<Data> keys = new LinkedHashSet<>();
    for (int rank = 0; keys.size() < limit; rank++) {
      boolean more = false;
      for (byte[][] answer : answers) { // the hottest of each member first
        if (rank < answer.length && keys.size() < limit) {
          keys.add(new HeapData(answer[rank]));
          more = true;
        }
      }
      if (!more) {
        break;
      }
    }
    List<Data> batch = new ArrayList<>();
    for (Data k : keys) {
      batch.add(k);
      if (batch.size() == NEAR_WARM_UP_BATCH) {
        warmNear(batch);
        batch.clear();
      }
    }
    if (!batch.isEmpty()) {
      warmNear(batch);
    }
  }

  @SuppressWarnings("unchecked")
  private void warmNear(List<Data> keys) {
    Map<Data, Object> reservations = new HashMap<>();
    try {
      for (Data k : keys) {
        Object reservation = nearCache.reserve(codec.keyOf(k), k);
        if (reservation != null) {
          reservations.put(k, reservation);
        }
      }
      long now = System.currentTimeMillis();
      Set<Object> toRead = new java.util.HashSet<>(reservations.keySet());
      for (Map.Entry<Object, CacheRecord> read : records.map().getAll(toRead).entrySet()) {
        // Hazelcast answers with the keys deserialized: back to the serialized form the reservations use
        Data k = read.getKey() instanceof Data data ? data : codec.keyData((K) read.getKey());
        CacheRecord record = read.getValue();
        Object reservation = reservations.remove(k);
        if (reservation != null && record != null && !record.isExpiredAt(now)) {
          nearCache.publish(reservation, k, record, codec.toValue(record));
        } else {
          release(reservation);
        }
      }
    } finally {
      reservations.values().forEach(this::release);
    }
  }

  /** Whether a live entry exists, in the near cache or in L2; counts nothing and applies no access rule. */
  boolean contains(K key) {
    if (nearCache != null) {
      NearCache.Entry entry = nearCache.get(key);
      if (entry != null && entry.expiresAt() > System.currentTimeMillis()) {
        return true;
      }
    }
    CacheRecord record = records.read(codec.keyData(key));
    return record != null && !record.isExpiredAt(System.currentTimeMillis());
  }

  private void publish(Object reservation, Data k, CacheRecord record, V value) {
    if (reservation != null) {
      nearCache.publish(reservation, k, record, value);
    }
  }

  private void release(Object reservation) {
    if (reservation != null) {
      nearCache.release(reservation);
    }
  }
}
