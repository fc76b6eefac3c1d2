package dev.tiercache.cluster;

import static com.hazelcast.map.impl.record.Record.UNSET;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.map.impl.MapService;
import com.hazelcast.map.impl.operation.MapOperation;
import com.hazelcast.map.impl.record.Record;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.impl.NodeEngine;
import com.hazelcast.spi.impl.operationservice.BackupAwareOperation;
import com.hazelcast.spi.impl.operationservice.BackupOperation;
import com.hazelcast.spi.impl.operationservice.Operation;
import com.hazelcast.wan.impl.CallerProvenance;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Clears the unwritten mark of records whose change has been written, for one partition of a
 * write-behind cache's map: of each key only if its record still has the version that was written, so
 * a put that came in meanwhile stays unwritten. Keeps the version and the value, so near caches stay
 * valid.
 *
 * <p>A Hazelcast map operation rather than an entry processor: it patches the mark in the record's
 * serialized form ({@link CacheRecord#markedWritten}) instead of deserializing and re-serializing each
 * record, and fires no entry events (nothing a listener could observe changed). The flusher marks
 * every record it writes, so this is on the drain's critical path. The {@link Primary} runs on the
 * partition's owner, its {@link Backup} does the same check on each backup replica.
 */
public abstract sealed class MarkWrittenOperation extends MapOperation
    permits MarkWrittenOperation.Primary, MarkWrittenOperation.Backup {

  Data[] keys;
  long[] versions;

  MarkWrittenOperation() {
    createRecordStoreOnDemand = false; // a partition that holds nothing has nothing to mark
  }

  MarkWrittenOperation(String mapName, Data[] keys, long[] versions) {
    super(mapName);
    this.keys = keys;
    this.versions = versions;
    createRecordStoreOnDemand = false;
  }

  /**
   * Marks the records of {@code keys} (all in {@code partition}) written where they still have the
   * version at the same index of {@code versions}; completes with how many it marked.
   */
  public static CompletableFuture<Integer> submit(NodeEngine nodeEngine, String mapName, int partition,
      Data[] keys, long[] versions) {
    return nodeEngine.getOperationService()
        .invokeOnPartitionAsync(MapService.SERVICE_NAME, new Primary(mapName, keys, versions), partition);
  }

  /** Marks what matches in this replica of the partition; returns how many records it marked. */
  final int markAll(boolean backup) {
    if (recordStore == null) {
      return 0;
    }
    int count = 0;
    for (int i = 0; i < keys.length; i++) {
      Record<?> record = recordStore.getRecord(keys[i]);
      Data written = record == null ? null : CacheRecord.markedWritten(mapServiceContext.toData(record.getValue()),
          versions[i], getNodeEngine().getSerializationService());
      if (written == null) {
        continue;
      }
      if (backup) {
        recordStore.putBackupForEntryProcessor(keys[i], written, false, UNSET, UNSET, UNSET,
            CallerProvenance.NOT_WAN);
      } else {
        recordStore.setWithUncountedAccess(keys[i], written, false, UNSET, UNSET);
      }
      count++;
    }
    return count;
  }

  @Override
  public int getFactoryId() {
    return RecordSerialization.FACTORY_ID;
  }

  @Override
  protected void writeInternal(ObjectDataOutput out) throws IOException {
    super.writeInternal(out);
    ReadRecordsOperation.Records.writeAll(out, keys);
    out.writeLongArray(versions);
  }

  @Override
  protected void readInternal(ObjectDataInput in) throws IOException {
    super.readInternal(in);
    keys = ReadRecordsOperation.Records.readAll(in);
    versions = in.readLongArray();
  }

  /** The marking on the partition's owner; backed up when it marked anything. */
  public static final class Primary extends MarkWrittenOperation implements BackupAwareOperation {
    private transient int marked;

    /** For deserialization only. */
    public Primary() {}

    Primary(String mapName, Data[] keys, long[] versions) {
      super(mapName, keys, versions);
    }

    @Override
    protected void runInternal() {
      marked = markAll(false);
    }

    @Override
    public Object getResponse() {
      return marked;
    }

    @Override
    public boolean shouldBackup() {
      return marked > 0;
    }

    @Override
    public int getSyncBackupCount() {
      return mapContainer.getBackupCount();
    }

    @Override
    public int getAsyncBackupCount() {
      return mapContainer.getAsyncBackupCount();
    }

    @Override
    public Operation getBackupOperation() {
      return new Backup(name, keys, versions);
    }

    @Override
    public int getClassId() {
      return RecordSerialization.MARK_WRITTEN_OPERATION;
    }
  }

  /** The same marking on a backup replica (the same version check, so replicas decide alike). */
  public static final class Backup extends MarkWrittenOperation implements BackupOperation {

    /** For deserialization only. */
    public Backup() {}

    Backup(String mapName, Data[] keys, long[] versions) {
      super(mapName, keys, versions);
    }

    @Override
    protected void runInternal() {
      markAll(true);
    }

    @Override
    public int getClassId() {
      return RecordSerialization.MARK_WRITTEN_BACKUP;
    }
  }
}
