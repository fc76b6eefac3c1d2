package dev.tiercache.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;

/**
 * What the L2 map holds for one cache entry: the value in Hazelcast's serialized form, its absolute
 * expiry time, and a version that changes with every change of the entry (it starts at a random
 * number and grows).
 *
 * <p>The value stays serialized in the record so that L2 is store-by-value by construction: every
 * reader deserializes a private copy. Expiry is kept here in milliseconds rather than in Hazelcast's
 * own TTL (which it rounds to whole seconds) because JCache needs exact, per-operation expiry
 * decisions. Records are immutable; a change writes a new record.
 */
public final class CacheRecord implements IdentifiedDataSerializable {

  /** Expiry time of an entry that never expires. */
  public static final long ETERNAL = Long.MAX_VALUE;

  private byte[] value;
  private long expiresAt;
  private long version;
  private long unwrittenSince;

  /** For deserialization only. */
  public CacheRecord() {}

  public CacheRecord(byte[] value, long expiresAt, long version) {
    this(value, expiresAt, version, 0);
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
   * ({@link UnwrittenRecords.MarkWritten}) or handed to the pending map by a later change.
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
    return new CacheRecord(value, newExpiresAt, version + 1, unwrittenSince);
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
    out.writeByteArray(value);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    expiresAt = in.readLong();
    version = in.readLong();
    unwrittenSince = in.readLong();
    value = in.readByteArray();
  }
}
