package dev.tiercache;

import com.hazelcast.internal.serialization.Data;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.integration.WriteBehind;
import dev.tiercache.management.CacheStatistics;
import dev.tiercache.nearcache.NearCache;

/**
 * Compare-and-set on an entry's version, for cache-aside written by hand (read, miss, query, put) and
 * for optimistic read-modify-write. A versioned read answers the value with its record's version; a
 * read of an absent key leaves a {@linkplain CacheRecord#lease lease} in its place (one step on the
 * owner, shared by every reader until something changes the key) and answers the lease's version. The
 * put then runs under the key's lock and stores only if the record is still the one read: the entry
 * with that version, or that lease. Every change of the key in between replaces or deletes the record,
 * so a remove that raced the caller's query (the row changed and the entry removed while the caller
 * held the old row) makes the put fail rather than cache the old row.
 *
 * <p>This is the memcache lease idea applied to a record that is already there: a lease costs the
 * other paths nothing, because every read already treats an expired record as absent, and a lease is
 * one that expired at the epoch. The only paths that know of it are the sweeper and the EXPIRED event
 * (neither applies to a lease).
 */
final class VersionedWrites<K, V> {

  /** The version of an absent read that leaves no lease: no record ever has it (versions start at 1). */
  private static final long NO_LEASE = 0;

  private final L2Records<K, V> records;
  private final KeyValueCodec<K, V> codec;
  private final Writes<K, V> writes;
  private final CacheStatistics statistics;
  private final NearCache nearCache;
  private final WriteBehind<K, V> writeBehind;

  /** {@code nearCache} and {@code writeBehind} may be {@code null}. */
  VersionedWrites(L2Records<K, V> records, KeyValueCodec<K, V> codec, Writes<K, V> writes,
      CacheStatistics statistics, NearCache nearCache, WriteBehind<K, V> writeBehind) {
    this.records = records;
    this.codec = codec;
    this.writes = writes;
    this.statistics = statistics;
    this.nearCache = nearCache;
    this.writeBehind = writeBehind;
  }

  /**
   * The value with its version: from the near cache if it holds the key (its version is the L2 record's
   * it was read from: if that record has changed since, the put fails), else from L2; an absent key gets
   * a lease. A value read from L2 is kept in L1 as a plain read's is (through a reservation, so a change
   * that races the read is never cached). Counted as a hit or a miss; not an access for the expiry policy
   * (that would change the version just read), and never a refresh.
   */
  Versioned<V> read(K key) {
    if (nearCache != null) {
      NearCache.Entry held = nearCache.get(key);
      if (held != null && held.expiresAt() > System.currentTimeMillis()) {
        statistics.recordNearHits(1);
        @SuppressWarnings("unchecked")
        V value = (V) held.value();
        return new Versioned<>(value, held.version());
      }
    }
    Data k = codec.keyData(key); // only now: a near hit needs no serialized key
    Object reservation = nearCache == null ? null : nearCache.reserve(key, k);
    try {
      CacheRecord record = records.read(k);
      if (record == null && writeBehind != null && writeBehind.pendingFor(k) != null) {
        // A delete not yet written: the system of record still has the row it deletes, and may lose it
        // before the caller's put. No lease, so that put is refused whatever happens meanwhile.
        statistics.recordMisses(1);
        return new Versioned<>(null, NO_LEASE);
      }
      if (record == null) {
        CacheRecord lease = CacheRecord.lease(CacheRecord.firstVersion());
        record = records.leaseIfAbsent(k, lease);
        if (record == null) {
          record = lease;
        }
      }
      if (!record.isLease() && record.isExpiredAt(System.currentTimeMillis())) {
        record = leaseOverExpired(k);
      }
      if (record.isLease()) {
        statistics.recordMisses(1);
        return new Versioned<>(null, record.version());
      }
      statistics.recordHits(1);
      V value = codec.toValue(record);
      if (reservation != null) { // kept in L1 as any read's value: the next versioned read is a near hit
        nearCache.publish(reservation, k, record, value);
        reservation = null;
      }
      return new Versioned<>(value, record.version());
    } finally {
      if (reservation != null) {
        nearCache.release(reservation);
      }
    }
  }

  /** An entry expired and not yet removed: removed now under the lock (with its EXPIRED event), then leased. */
  private CacheRecord leaseOverExpired(Data k) {
    return records.withLock(k, () -> {
      CacheRecord current = records.read(k);
      if (current != null && (current.isLease() || !current.isExpiredAt(System.currentTimeMillis()))) {
        return current;
      }
      if (current != null) {
        records.expire(k, current);
      }
      CacheRecord lease = CacheRecord.lease(CacheRecord.firstVersion());
      records.storeLease(k, lease);
      return lease;
    });
  }

  /**
   * Puts {@code value} if the key is as {@code seen} found it: the entry of that version, still live; or,
   * for a key seen absent, still that lease, and no change of it waiting for write-behind (the system of
   * record is about to lose the row the caller read). A put as {@link Writes#putLocked}: written through,
   * counted, CREATED or UPDATED. Returns whether it stored.
   */
  boolean putIfUnchanged(K key, Data k, V value, byte[] bytes, Versioned<V> seen) {
    return records.withLock(k, () -> {
      CacheRecord current = records.read(k);
      if (current == null || current.version() != seen.version()) {
        return false;
      }
      if (seen.isPresent()) {
        if (current.isLease() || current.isExpiredAt(System.currentTimeMillis())) {
          return false;
        }
        writes.putLocked(key, k, value, bytes, current);
      } else {
        if (!current.isLease() || (writeBehind != null && writeBehind.pendingFor(k) != null)) {
          return false;
        }
        writes.putLocked(key, k, value, bytes, null);
      }
      return true;
    });
  }
}
