package dev.tiercache.cluster;

import com.hazelcast.instance.impl.Node;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.services.NodeAware;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.impl.MapService;
import com.hazelcast.map.impl.recordstore.RecordStore;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.query.impl.QueryableEntry;
import java.io.IOException;
import java.util.Map;

/**
 * A write-behind {@code put} acknowledged after one operation on the key's owner, for caches where
 * nothing on the caller needs to take part (no listeners, entries that never expire).
 *
 * <p>The record itself is the pending change: the processor writes it with
 * {@link CacheRecord#unwrittenSince()} set, Hazelcast backs it up with the value like any record, and
 * the flusher of the partition's owner writes it to the system of record and then clears the mark
 * ({@link MarkWrittenOperation}). So a put costs what a plain Hazelcast write costs, and a promoted backup holds
 * exactly the unwritten records its dead owner held. Write-behind maps are never evicted by Hazelcast
 * ({@link Members}), so the only copy of a change is never dropped.
 *
 * <p>Every other write-behind change (deletes, expiring entries, puts under a lock) goes to the pending
 * map instead, and that map is newer than the record: a change there was recorded after any unwritten
 * record of the key. To keep it so, this processor refuses (returns {@code false}, changes nothing) when
 * the key has a change in the pending map, and the caller takes the locked path, which records into the
 * pending map after it. The pending map's entry of the key lives in the same partition, so the check
 * reads that map's partition store directly on this partition thread (a Hazelcast internal; read only).
 */
public final class WriteBehindPutProcessor implements EntryProcessor<Object, CacheRecord, Boolean>,
    IdentifiedDataSerializable, NodeAware {

  private static final byte FRESH = 0;
  private static final byte APPLIED = 1;
  private static final byte REFUSED = 2;

  private byte[] value;
  private String mapName;
  // Decided once, on the primary, and carried to the backups with this processor.
  private byte state = FRESH;
  private long version;
  private long since;
  private transient Node node;

  /** For deserialization only. */
  public WriteBehindPutProcessor() {}

  /** A put of {@code value} (serialized) into the write-behind cache whose L2 map is {@code mapName}. */
  public WriteBehindPutProcessor(byte[] value, String mapName) {
    this.value = value;
    this.mapName = mapName;
  }

  @Override
  public void setNode(Node node) {
    this.node = node;
  }

  @Override
  public Boolean process(Map.Entry<Object, CacheRecord> entry) {
    if (state == APPLIED) { // a backup: the same record as the primary's
      entry.setValue(new CacheRecord(value, CacheRecord.ETERNAL, version, since));
      return Boolean.TRUE;
    }
    if (state == REFUSED) {
      return Boolean.FALSE;
    }
    Data key = keyData(entry);
    int partition = node.getPartitionService().getPartitionId(key);
    if (hasPendingChange(partition, key)) {
      state = REFUSED;
      return Boolean.FALSE;
    }
    // A fresh random version rather than the old one plus one: reading the old record would cost its
    // deserialization, and versions only need to differ from every earlier one of the key.
    version = CacheRecord.firstVersion();
    since = node.getClusterService().getClusterTime();
    state = APPLIED;
    entry.setValue(new CacheRecord(value, CacheRecord.ETERNAL, version, since));
    UnwrittenKeys.of(node.hazelcastInstance.getName(), mapName).add(partition, key, version, since, value.length);
    return Boolean.TRUE;
  }

  private boolean hasPendingChange(int partition, Data key) {
    MapService maps = node.getNodeEngine().getService(MapService.SERVICE_NAME);
    RecordStore<?> pending = maps.getMapServiceContext()
        .getExistingRecordStore(partition, CacheNames.pendingName(mapName));
    return pending != null && pending.existInMemory(key);
  }

  private Data keyData(Map.Entry<Object, CacheRecord> entry) {
    return entry instanceof QueryableEntry<?, ?> queryable ? queryable.getKeyData()
        : node.getSerializationService().toData(entry.getKey());
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
    out.writeString(mapName);
    out.writeByte(state);
    out.writeLong(version);
    out.writeLong(since);
    out.writeByteArray(value);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    mapName = in.readString();
    state = in.readByte();
    version = in.readLong();
    since = in.readLong();
    value = in.readByteArray();
  }
}
