package dev.tiercache.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.impl.QueryableEntry;
import java.io.IOException;
import java.util.Map;

/**
 * A write-behind {@code put} acknowledged after one operation on the key's owner, for caches where
 * nothing on the caller needs to take part (no listeners, entries that never expire).
 *
 * <p>On the owner, in one step under the key's lock: it writes the entry's record, stamped with the
 * owner's clock ({@link CacheRecord#pendingSince()}), and queues the pending change for the same key
 * ({@link PendingWrite#record}) as an operation of the same partition, which the partition thread runs
 * right after this one, before any later operation of that key. The caller is acknowledged once the
 * record and its backup are written; the pending change and its backup follow within microseconds.
 *
 * <p>If the owner dies in between, the stamped record (on its backup, now promoted) still says that the
 * change may not have been recorded: when a member leaves, every member that writes behind for the cache
 * runs {@link Recover} over the records stamped recently, which records their current values as pending
 * changes again. Writing an up-to-date value twice is harmless (upserts); losing one is not.
 */
public final class WriteBehindPutProcessor implements EntryProcessor<Object, CacheRecord, Object>,
    IdentifiedDataSerializable, HazelcastInstanceAware {

  /** Test hook: when set, the pending change is not queued, as if the owner died right after the write. */
  static volatile boolean loseQueuedChanges;

  private byte[] value;
  private String pendingMap;
  // Decided once, on the primary, and carried to the backups with this processor.
  private boolean decided;
  private long version;
  private long stamp;
  private transient HazelcastInstance hazelcast;

  /** For deserialization only. */
  public WriteBehindPutProcessor() {}

  /** A put of {@code value} (serialized) into a cache whose entries never expire. */
  public WriteBehindPutProcessor(byte[] value, String pendingMap) {
    this.value = value;
    this.pendingMap = pendingMap;
  }

  @Override
  public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
    this.hazelcast = hazelcastInstance;
  }

  @Override
  public Object process(Map.Entry<Object, CacheRecord> entry) {
    if (decided) { // a backup: the same record as the primary's
      entry.setValue(new CacheRecord(value, CacheRecord.ETERNAL, version, stamp));
      return null;
    }
    // A fresh random version rather than the old one plus one: reading the old record would cost its
    // deserialization, and versions only need to differ from every earlier one of the key.
    version = CacheRecord.firstVersion();
    stamp = PendingWrite.ownerClock();
    decided = true;
    entry.setValue(new CacheRecord(value, CacheRecord.ETERNAL, version, stamp));
    if (!loseQueuedChanges) {
      queuePendingChange(hazelcast, pendingMap, entry, value);
    }
    return null;
  }

  /**
   * Queues the recording of a pending change of the entry's key: an asynchronous operation of the same
   * partition, so the partition thread runs it after the current one and before any operation that
   * arrives later.
   */
  static void queuePendingChange(HazelcastInstance hazelcast, String pendingMap, Map.Entry<Object, CacheRecord> entry,
      byte[] value) {
    Object key = entry instanceof QueryableEntry<?, ?> queryable ? queryable.getKeyData() : entry.getKey();
    hazelcast.<Object, PendingWrite>getMap(pendingMap)
        .submitToKey(key, PendingWrite.record(value, hazelcast.getCluster().getClusterTime()));
  }

  @Override
  public int getFactoryId() {
    return RecordSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return RecordSerialization.WRITE_BEHIND_PUT_PROCESSOR;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeString(pendingMap);
    out.writeBoolean(decided);
    out.writeLong(version);
    out.writeLong(stamp);
    out.writeByteArray(value);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    pendingMap = in.readString();
    decided = in.readBoolean();
    version = in.readLong();
    stamp = in.readLong();
    value = in.readByteArray();
  }

  /**
   * Records again, as pending changes, the current values of the entries written by this processor at
   * or after {@code since} (an owner-clock reading); run over a whole map after a member left.
   */
  public static final class Recover implements EntryProcessor<Object, CacheRecord, Object>, ReadOnly,
      IdentifiedDataSerializable, HazelcastInstanceAware {
    private String pendingMap;
    private long since;
    private transient HazelcastInstance hazelcast;

    /** For deserialization only. */
    public Recover() {}

    public Recover(String pendingMap, long since) {
      this.pendingMap = pendingMap;
      this.since = since;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
      this.hazelcast = hazelcastInstance;
    }

    @Override
    public Object process(Map.Entry<Object, CacheRecord> entry) {
      CacheRecord record = entry.getValue();
      if (record != null && record.pendingSince() >= since) {
        queuePendingChange(hazelcast, pendingMap, entry, record.value());
      }
      return null;
    }

    @Override
    public EntryProcessor<Object, CacheRecord, Object> getBackupProcessor() {
      return null;
    }

    /** Selects the records {@link Recover} acts on, so that the others are not processed at all. */
    public Predicate<Object, CacheRecord> predicate() {
      return new StampedSince(since);
    }

    @Override
    public int getFactoryId() {
      return RecordSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return RecordSerialization.WRITE_BEHIND_RECOVER;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeString(pendingMap);
      out.writeLong(since);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      pendingMap = in.readString();
      since = in.readLong();
    }
  }

  /** Records written by this processor at or after an owner-clock reading. */
  public static final class StampedSince implements Predicate<Object, CacheRecord>, IdentifiedDataSerializable {
    private long since;

    /** For deserialization only. */
    public StampedSince() {}

    StampedSince(long since) {
      this.since = since;
    }

    @Override
    public boolean apply(Map.Entry<Object, CacheRecord> entry) {
      CacheRecord record = entry.getValue();
      return record != null && record.pendingSince() >= since;
    }

    @Override
    public int getFactoryId() {
      return RecordSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return RecordSerialization.WRITE_BEHIND_STAMPED_SINCE;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeLong(since);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      since = in.readLong();
    }
  }
}
