package dev.tiercache.cluster;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.util.Map;

/**
 * Reads the version of each entry on its owner, for the near cache's repair: one read-only operation
 * per partition for a whole set of keys, answering a few bytes per key instead of the values. Absent
 * entries answer nothing.
 */
public final class VersionProbe implements EntryProcessor<Object, CacheRecord, Long>, ReadOnly,
    IdentifiedDataSerializable {

  @Override
  public Long process(Map.Entry<Object, CacheRecord> entry) {
    CacheRecord record = entry.getValue();
    return record == null ? null : record.version();
  }

  @Override
  public EntryProcessor<Object, CacheRecord, Long> getBackupProcessor() {
    return null;
  }

  @Override
  public int getFactoryId() {
    return RecordSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return RecordSerialization.VERSION_PROBE;
  }

  @Override
  public void writeData(ObjectDataOutput out) {
    // no state
  }

  @Override
  public void readData(ObjectDataInput in) {
    // no state
  }
}
