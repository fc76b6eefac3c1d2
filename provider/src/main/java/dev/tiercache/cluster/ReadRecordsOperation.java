package dev.tiercache.cluster;

import com.hazelcast.internal.nio.IOUtil;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.map.impl.MapService;
import com.hazelcast.map.impl.operation.MapOperation;
import com.hazelcast.map.impl.record.Record;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.spi.impl.NodeEngine;
import com.hazelcast.spi.impl.operationservice.PartitionAwareOperation;
import com.hazelcast.spi.impl.operationservice.ReadonlyOperation;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Reads the records of some keys of one partition of a cache's map, as stored (serialized), for the
 * write-behind flusher: it reads every unwritten record it writes, and wants neither the keys
 * deserialized and serialized again on the way (as {@code getAll} does) nor a query's scan. The answer
 * is aligned with the keys asked for; a key without a record answers {@code null}.
 */
public final class ReadRecordsOperation extends MapOperation
    implements PartitionAwareOperation, ReadonlyOperation {

  private Data[] keys;
  private transient Data[] found;

  /** For deserialization only. */
  public ReadRecordsOperation() {
    createRecordStoreOnDemand = false; // reading a partition that holds nothing must not create its store
  }

  private ReadRecordsOperation(String mapName, Data[] keys) {
    super(mapName);
    this.keys = keys;
    createRecordStoreOnDemand = false;
  }


  /** The records of {@code keys} (all in {@code partition}), in the same order; {@code null} where none. */
  public static CompletableFuture<Records> submit(NodeEngine nodeEngine, String mapName, int partition,
      Data[] keys) {
    return nodeEngine.getOperationService()
        .invokeOnPartitionAsync(MapService.SERVICE_NAME, new ReadRecordsOperation(mapName, keys), partition);
  }

  @Override
  protected void runInternal() {
    found = new Data[keys.length];
    for (int i = 0; recordStore != null && i < keys.length; i++) {
      Record<?> record = recordStore.getRecord(keys[i]);
      if (record != null) {
        found[i] = mapServiceContext.toData(record.getValue());
      }
    }
  }

  @Override
  public Object getResponse() {
    return new Records(found);
  }

  @Override
  public int getFactoryId() {
    return RecordSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return RecordSerialization.READ_RECORDS_OPERATION;
  }

  @Override
  protected void writeInternal(ObjectDataOutput out) throws IOException {
    super.writeInternal(out);
    Records.writeAll(out, keys);
  }

  @Override
  protected void readInternal(ObjectDataInput in) throws IOException {
    super.readInternal(in);
    keys = Records.readAll(in);
  }

  /** The answer: serialized records ({@link CacheRecord}), aligned with the keys asked for. */
  public static final class Records implements IdentifiedDataSerializable {
    private Data[] records;

    /** For deserialization only. */
    public Records() {}

    Records(Data[] records) {
      this.records = records;
    }

    /** The record of the {@code i}-th key asked for, serialized, or {@code null}. */
    public Data get(int i) {
      return records[i];
    }

    @Override
    public int getFactoryId() {
      return RecordSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return RecordSerialization.RECORDS_READ;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      writeAll(out, records);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      records = readAll(in);
    }

    static void writeAll(ObjectDataOutput out, Data[] data) throws IOException {
      out.writeInt(data.length);
      for (Data d : data) {
        IOUtil.writeData(out, d);
      }
    }

    static Data[] readAll(ObjectDataInput in) throws IOException {
      Data[] data = new Data[in.readInt()];
      for (int i = 0; i < data.length; i++) {
        data[i] = IOUtil.readData(in);
      }
      return data;
    }
  }
}
