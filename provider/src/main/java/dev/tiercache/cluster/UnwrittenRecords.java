package dev.tiercache.cluster;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.impl.HeapData;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.impl.QueryableEntry;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Owner-side steps over the records of a write-behind cache, told apart by whether they hold a change
 * not yet written ({@link CacheRecord#isUnwritten()}): find them, mark them written, and remove only
 * written ones (eviction and {@code clear()}), since an unwritten record is the only copy of its change.
 */
public final class UnwrittenRecords {

  private UnwrittenRecords() {}

  /**
   * Clears the unwritten mark of records whose change has been written: of each key only if its record
   * still has the version that was written, so a put that came in meanwhile stays unwritten. Keeps the
   * version (the value did not change, near caches stay valid).
   */
  public static final class MarkWritten implements EntryProcessor<Object, CacheRecord, Object>,
      IdentifiedDataSerializable {
    private Map<Data, Long> written;

    /** For deserialization only. */
    public MarkWritten() {}

    /** {@code written}: the version written, by key (the keys of one partition). */
    public MarkWritten(Map<Data, Long> written) {
      this.written = written;
    }

    @Override
    public Object process(Map.Entry<Object, CacheRecord> entry) {
      CacheRecord record = entry.getValue();
      Long version = written.get(((QueryableEntry<?, ?>) entry).getKeyData());
      if (record != null && record.isUnwritten() && version != null && record.version() == version) {
        entry.setValue(new CacheRecord(record.value(), record.expiresAt(), record.version(), 0));
      }
      return null;
    }

    @Override
    public int getFactoryId() {
      return RecordSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return RecordSerialization.MARK_WRITTEN;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeInt(written.size());
      for (Map.Entry<Data, Long> e : written.entrySet()) {
        out.writeByteArray(e.getKey().toByteArray());
        out.writeLong(e.getValue());
      }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      int size = in.readInt();
      written = new HashMap<>(size * 2);
      for (int i = 0; i < size; i++) {
        written.put(new HeapData(in.readByteArray()), in.readLong());
      }
    }
  }

  /** Records with a change not yet written ({@link CacheRecord#isUnwritten()}). */
  public static final class Unwritten implements Predicate<Object, CacheRecord>, IdentifiedDataSerializable {

    /** For deserialization only; also the instance to use. */
    public Unwritten() {}

    @Override
    public boolean apply(Map.Entry<Object, CacheRecord> entry) {
      CacheRecord record = entry.getValue();
      return record != null && record.isUnwritten();
    }

    @Override
    public int getFactoryId() {
      return RecordSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return RecordSerialization.UNWRITTEN;
    }

    @Override
    public void writeData(ObjectDataOutput out) {}

    @Override
    public void readData(ObjectDataInput in) {}
  }

  /**
   * Removes written records: all of them ({@code clear()}), or a share of them (eviction, see
   * {@code WriteBehind}). Which keys go is decided from a hash of the key and a salt rather than at
   * random, so the primary and its backups remove the same records.
   */
  public static final class RemoveWritten implements EntryProcessor<Object, CacheRecord, Object>,
      IdentifiedDataSerializable {
    private int perMille;
    private int salt;

    /** For deserialization only. */
    public RemoveWritten() {}

    /** Removes about {@code perMille} of every thousand written records (1000: all). */
    public RemoveWritten(int perMille, int salt) {
      this.perMille = perMille;
      this.salt = salt;
    }

    @Override
    public Object process(Map.Entry<Object, CacheRecord> entry) {
      CacheRecord record = entry.getValue();
      if (record != null && !record.isUnwritten() && chosen(((QueryableEntry<?, ?>) entry).getKeyData())) {
        entry.setValue(null);
      }
      return null;
    }

    private boolean chosen(Data key) {
      return perMille >= 1000 || Math.floorMod(key.hashCode() * 31 + salt, 1000) < perMille;
    }

    @Override
    public int getFactoryId() {
      return RecordSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return RecordSerialization.REMOVE_WRITTEN;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeInt(perMille);
      out.writeInt(salt);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      perMille = in.readInt();
      salt = in.readInt();
    }
  }
}
