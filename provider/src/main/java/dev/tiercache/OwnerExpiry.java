package dev.tiercache;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.internal.partition.IPartition;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.util.collection.PartitionIdSet;
import com.hazelcast.map.IMap;
import com.hazelcast.map.impl.DataAwareEntryEvent;
import com.hazelcast.map.impl.proxy.MapProxyImpl;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.spi.impl.AbstractDistributedObject;
import com.hazelcast.spi.impl.NodeEngine;
import dev.tiercache.cluster.CacheRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.ObjLongConsumer;

/**
 * Puts this member in charge of the expiry of the entries it owns, so that an entry's EXPIRED event
 * fires on time even when the member that wrote it has died. A local entry listener (events of the
 * partitions this member owns, never crossing the network) hands every record that will expire to the
 * sweeper; and a partition this member gains (a migration, or a backup promoted after a crash), or owns
 * again at another version, has its expiring records listed once, by a query over that partition. The writer's own sweeper looks too:
 * whichever comes first expires the entry under its lock, and the other finds it gone, so the event
 * fires once.
 */
final class OwnerExpiry implements EntryAddedListener<Object, CacheRecord>,
    EntryUpdatedListener<Object, CacheRecord>, EntryMergedListener<Object, CacheRecord> {

  private final IMap<Object, CacheRecord> map;
  private final SerializationService serialization;
  private final ObjLongConsumer<Data> schedule;
  private final UUID registration;
  private final NodeEngine nodeEngine;
  /** Per partition, its version when this member last owned it at a look, or {@link #NOT_OWNED}; guarded by this. */
  private final int[] ownedAt;
  private static final int NOT_OWNED = -1;

  /** {@code schedule}: has the sweeper look at a key (serialized) at an expiry time. */
  OwnerExpiry(IMap<Object, CacheRecord> map, SerializationService serialization,
      ObjLongConsumer<Data> schedule) {
    this.map = map;
    this.serialization = serialization;
    this.schedule = schedule;
    this.nodeEngine = ((AbstractDistributedObject<?>) map).getNodeEngine();
    this.ownedAt = new int[nodeEngine.getPartitionService().getPartitionCount()];
    java.util.Arrays.fill(ownedAt, NOT_OWNED);
    this.registration = map.addLocalEntryListener(this); // with values: the record's expiry time
  }

  @Override
  public void entryAdded(EntryEvent<Object, CacheRecord> event) {
    watch(event);
  }

  @Override
  public void entryUpdated(EntryEvent<Object, CacheRecord> event) {
    watch(event);
  }

  @Override
  public void entryMerged(EntryEvent<Object, CacheRecord> event) {
    watch(event);
  }

  private void watch(EntryEvent<Object, CacheRecord> event) {
    CacheRecord record = event.getValue();
    if (record != null && !record.isLease() && record.expiresAt() != CacheRecord.ETERNAL) {
      Data key = event instanceof DataAwareEntryEvent<?, ?> withData ? withData.getKeyData()
          : serialization.toData(event.getKey());
      schedule.accept(key, record.expiresAt());
    }
  }

  /**
   * Lists the expiring records of the partitions this member owns now and did not at the last look, or
   * owns at another version (ownership went away and came back between two looks: the local listener
   * heard nothing meanwhile); all it owns, the first time. Called by the sweeper before each look.
   */
  synchronized void watchGainedPartitions() {
    IPartition[] partitions = nodeEngine.getPartitionService().getPartitions();
    List<Integer> gained = new ArrayList<>();
    for (IPartition partition : partitions) {
      int id = partition.getPartitionId();
      int version = partition.isLocal() ? partition.version() : NOT_OWNED;
      if (version != NOT_OWNED && ownedAt[id] != version) {
        gained.add(id);
      }
      ownedAt[id] = version;
    }
    if (gained.isEmpty() || !(map instanceof MapProxyImpl<Object, CacheRecord> proxy)) {
      return;
    }
    PartitionIdSet ids = new PartitionIdSet(partitions.length, gained);
    for (Map.Entry<Object, CacheRecord> e : proxy.entrySet(new CacheRecord.Expiring(), ids)) {
      schedule.accept(serialization.toData(e.getKey()), e.getValue().expiresAt());
    }
  }

  void close() {
    try {
      map.removeEntryListener(registration);
    } catch (RuntimeException e) {
      // the member is stopping or the map is gone: nothing left to listen to
    }
  }
}
