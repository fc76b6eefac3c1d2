package dev.tiercache.cluster;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.impl.QueryableEntry;
import java.io.IOException;
import java.util.Map;

/**
 * Owner-side steps over the records of a write-behind cache, told apart by whether they hold a change
 * not yet written ({@link CacheRecord#isUnwritten()}): find them, and remove only written ones (eviction
 * and {@code clear()}), since an unwritten record is the only copy of its change. Reading and marking
 * the records a flush writes are map operations of their own ({@link ReadRecordsOperation},
 * {@link MarkWrittenOperation}).
 */
public final class UnwrittenRecords {

  private UnwrittenRecords() {}

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
   * random, so the primary and its backups remove the same records. An eviction answers
   * {@code Boolean.TRUE} for each record it removed, so that the caller can count exactly what went.
   */
  public static final class RemoveWritten implements EntryProcessor<Object, CacheRecord, Object>,
      IdentifiedDataSerializable {
    private int perMille;
    private int salt;
    private boolean reportRemoved;

    /** For deserialization only. */
    public RemoveWritten() {}

    private RemoveWritten(int perMille, int salt, boolean reportRemoved) {
      this.perMille = perMille;
      this.salt = salt;
      this.reportRemoved = reportRemoved;
    }

    /** Removes every written record, answering nothing ({@code clear()}). */
    public static RemoveWritten all() {
      return new RemoveWritten(1000, 0, false);
    }

    /** Removes about {@code perMille} of every thousand written records, answering TRUE for each removed. */
    public static RemoveWritten share(int perMille, int salt) {
      return new RemoveWritten(perMille, salt, true);
    }

    @Override
    public Object process(Map.Entry<Object, CacheRecord> entry) {
      CacheRecord record = entry.getValue();
      if (record != null && !record.isUnwritten() && chosen(((QueryableEntry<?, ?>) entry).getKeyData())) {
        entry.setValue(null);
        return reportRemoved ? Boolean.TRUE : null;
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
      out.writeBoolean(reportRemoved);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      perMille = in.readInt();
      salt = in.readInt();
      reportRemoved = in.readBoolean();
    }
  }
}
