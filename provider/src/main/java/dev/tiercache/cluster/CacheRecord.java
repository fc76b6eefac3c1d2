package dev.tiercache.cluster;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.HeapData;
import com.hazelcast.internal.serialization.impl.SerializationConstants;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * What the L2 map holds for one cache entry: the value in Hazelcast's serialized form, its absolute
 * expiry time, a version that changes with every change of the entry (it starts at a random number and
 * grows), and, for a cache that refreshes, the time from which a read starts a background reload.
 *
 * <p>The value stays serialized in the record so that L2 is store-by-value by construction: every
 * reader deserializes a private copy. Expiry is kept here in milliseconds rather than in Hazelcast's
 * own TTL (which it rounds to whole seconds) because JCache needs exact, per-operation expiry
 * decisions. Records are immutable; a change writes a new record.
 */
public final class CacheRecord implements IdentifiedDataSerializable {

  /** Expiry time of an entry that never expires. */
  public static final long ETERNAL = Long.MAX_VALUE;

  /** The expiry time of a {@linkplain #lease lease}: long past, never an entry's (none is stored expired). */
  private static final long LEASE_EXPIRY = 0;

  private byte[] value;
  private long expiresAt;
  private long version;
  private long unwrittenSince;
  private long refreshAt = ETERNAL;

  /** For deserialization only. */
  public CacheRecord() {}

  public CacheRecord(byte[] value, long expiresAt, long version) {
    this(value, expiresAt, version, 0);
  }

  /** A record of a cache that may refresh: a read from {@code refreshAt} on starts a background reload. */
  public static CacheRecord refreshing(byte[] value, long expiresAt, long refreshAt, long version) {
    CacheRecord record = new CacheRecord(value, expiresAt, version, 0);
    record.refreshAt = refreshAt;
    return record;
  }

  /**
   * A record that may hold a change write-behind has acknowledged and not yet written:
   * {@code unwrittenSince} is 0 for a record the system of record already has (or that write-behind
   * tracks in its pending map), else the cluster time of the one-operation put that wrote it.
   */
  public CacheRecord(byte[] value, long expiresAt, long version, long unwrittenSince) {
    this.value = value;
    this.expiresAt = expiresAt;
    this.version = version;
    this.unwrittenSince = unwrittenSince;
  }

  /** The value in Hazelcast's serialized form; callers must not modify the array. */
  public byte[] value() {
    return value;
  }

  public long expiresAt() {
    return expiresAt;
  }

  public long version() {
    return version;
  }

  /**
   * When the value became a change not yet written to the system of record (cluster time), or 0 if it
   * is not one. Such a record is the only copy of its change ({@link WriteBehindPutProcessor}): it is
   * backed up with the record, never evicted, and made 0 only once the change has been written
   * ({@link MarkWrittenOperation}) or handed to the pending map by a later change.
   */
  public long unwrittenSince() {
    return unwrittenSince;
  }

  public boolean isUnwritten() {
    return unwrittenSince != 0;
  }

  public boolean isExpiredAt(long nowMillis) {
    return expiresAt <= nowMillis;
  }

  /**
   * When a read should start a background reload of this value ({@link #ETERNAL}: never, the cache does
   * not refresh or the entry does not expire). Set when the value is stored; an access that only moves
   * expiry keeps it.
   */
  public long refreshAt() {
    return refreshAt;
  }

  /**
   * A lease on an absent key: what a versioned read of a key with no entry leaves in its place, so that
   * a put that names the lease's version succeeds only if nothing changed the key since (any put replaces
   * the lease, any remove deletes it). It holds no value and counts as an entry that has expired
   * already: every read treats it as absent, and it expires without an event.
   */
  public static CacheRecord lease(long version) {
    return new CacheRecord(new byte[0], LEASE_EXPIRY, version, 0);
  }

  /** Whether this record is a {@linkplain #lease lease} rather than an entry. */
  public boolean isLease() {
    return expiresAt == LEASE_EXPIRY;
  }

  /** Selects the entries of a map that are not {@linkplain #lease leases}: {@code removeAll()}'s keys. */
  public static final class NotLease implements com.hazelcast.query.Predicate<Object, CacheRecord>,
      IdentifiedDataSerializable {

    @Override
    public boolean apply(java.util.Map.Entry<Object, CacheRecord> entry) {
      return entry.getValue() != null && !entry.getValue().isLease();
    }

    @Override
    public int getFactoryId() {
      return RecordSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return RecordSerialization.NOT_LEASE;
    }

    @Override
    public void writeData(ObjectDataOutput out) {}

    @Override
    public void readData(ObjectDataInput in) {}
  }

  /**
   * Selects the entries that will expire (a finite expiry time, and not a lease): what a member that
   * gains a partition must watch, see {@code OwnerExpiry}.
   */
  public static final class Expiring implements com.hazelcast.query.Predicate<Object, CacheRecord>,
      IdentifiedDataSerializable {

    @Override
    public boolean apply(java.util.Map.Entry<Object, CacheRecord> entry) {
      CacheRecord record = entry.getValue();
      return record != null && !record.isLease() && record.expiresAt() != ETERNAL;
    }

    @Override
    public int getFactoryId() {
      return RecordSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return RecordSerialization.EXPIRING;
    }

    @Override
    public void writeData(ObjectDataOutput out) {}

    @Override
    public void readData(ObjectDataInput in) {}
  }

  /** The same record with another refresh time: a refresh claimed, see {@code RefreshClaim}. */
  public CacheRecord withRefreshAt(long newRefreshAt) {
    CacheRecord claimed = new CacheRecord(value, expiresAt, version, unwrittenSince);
    claimed.refreshAt = newRefreshAt;
    return claimed;
  }

  /**
   * The version of a newly created entry: random, so that an entry removed and created again does not
   * repeat the versions of its earlier life (the near cache compares versions for equality to find
   * entries that changed while it was not told).
   */
  public static long firstVersion() {
    return java.util.concurrent.ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE / 2);
  }

  /**
   * The same value with another expiry time (an access or update that only moves expiry); a change
   * not yet written stays one.
   */
  public CacheRecord withExpiry(long newExpiresAt) {
    CacheRecord moved = new CacheRecord(value, newExpiresAt, version + 1, unwrittenSince);
    moved.refreshAt = Math.min(refreshAt, newExpiresAt);
    return moved;
  }

  // Where the fields sit in Hazelcast's serialized form of a record (big-endian, the default byte order):
  // Data header (partition hash, type), the identified flag, factory id, class id, then writeData's order.
  private static final int IDENTIFIED_AT = 8;
  private static final int FACTORY_AT = 9;
  private static final int CLASS_AT = 13;
  private static final int VERSION_AT = 25;
  private static final int UNWRITTEN_AT = 33;
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /**
   * The serialized record {@code record} with its unwritten mark cleared, if it is unwritten and has
   * {@code version}; else {@code null}. Patches the mark in a copy of the bytes rather than
   * deserializing the record and its value (a write-behind flush marks every record it writes); a
   * form it does not recognise (another byte order) goes the long way.
   */
  static Data markedWritten(Data record, long version, SerializationService serialization) {
    byte[] bytes = record.toByteArray();
    if (hasKnownLayout(record, bytes)) {
      if ((long) LONG.get(bytes, VERSION_AT) != version || (long) LONG.get(bytes, UNWRITTEN_AT) == 0) {
        return null;
      }
      byte[] written = bytes.clone();
      LONG.set(written, UNWRITTEN_AT, 0L);
      return new HeapData(written);
    }
    CacheRecord current = serialization.toObject(record);
    if (!current.isUnwritten() || current.version != version) {
      return null;
    }
    return serialization.toData(new CacheRecord(current.value, current.expiresAt, current.version, 0)
        .withRefreshAt(current.refreshAt));
  }

  private static boolean hasKnownLayout(Data record, byte[] bytes) {
    return record.getType() == SerializationConstants.CONSTANT_TYPE_DATA_SERIALIZABLE
        && bytes.length >= UNWRITTEN_AT + Long.BYTES && bytes[IDENTIFIED_AT] == 1
        && (int) INT.get(bytes, FACTORY_AT) == RecordSerialization.FACTORY_ID
        && (int) INT.get(bytes, CLASS_AT) == RecordSerialization.CACHE_RECORD;
  }

  @Override
  public int getFactoryId() {
    return RecordSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return RecordSerialization.CACHE_RECORD;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeLong(expiresAt);
    out.writeLong(version);
    out.writeLong(unwrittenSince);
    out.writeLong(refreshAt);
    out.writeByteArray(value);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    expiresAt = in.readLong();
    version = in.readLong();
    unwrittenSince = in.readLong();
    refreshAt = in.readLong();
    value = in.readByteArray();
  }
}
