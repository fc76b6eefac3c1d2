package dev.tiercache.integration;

import com.hazelcast.internal.partition.IPartition;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.util.collection.PartitionIdSet;
import com.hazelcast.map.impl.proxy.MapProxyImpl;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.cluster.UnwrittenKeys;
import dev.tiercache.cluster.UnwrittenRecords;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The partitions whose changes this member writes, and the index of their unwritten records
 * ({@link UnwrittenKeys}) kept complete as ownership changes: a partition is read and listed again
 * whenever its version differs from the one it was listed at (gained, promoted, or gone and back), and
 * all of them every {@link WriteBehind#RESCAN_MILLIS}; the keys listed for a partition this member no
 * longer owns are forgotten. Used under the flush lock ({@link Flusher}).
 */
final class OwnedPartitions {

  private final CacheContext cache;
  private final PartitionHandOver handOver;
  /** Partitions whose unwritten records have been listed, with their version then (a new version: list again). */
  private final Map<Integer, Integer> listedPartitions = new HashMap<>();
  /** The versions of the partitions this member writes, as this flush found them (see {@link #ownedNow()}). */
  private final Map<Integer, Integer> versionsNow = new HashMap<>();
  private long nextRescanAt;

  OwnedPartitions(CacheContext cache, PartitionHandOver handOver) {
    this.cache = cache;
    this.handOver = handOver;
  }

  /**
   * The partitions whose changes this member writes now: those it owns, that are not migrating, and
   * whose hand-over it has waited for at their current version ({@link PartitionHandOver}). Forgets the
   * listed keys of partitions it no longer owns, and has those that changed hands since they were listed
   * listed again.
   */
  List<Integer> ownedNow() {
    List<Integer> owned = new ArrayList<>();
    versionsNow.clear();
    for (IPartition partition : cache.nodeEngine().getPartitionService().getPartitions()) {
      int id = partition.getPartitionId();
      int version = partition.version();
      Integer listedAt = listedPartitions.get(id);
      if (!partition.isLocal()) {
        // Forgotten even if never listed: puts may have listed keys while it was here.
        listedPartitions.remove(id);
        cache.unwrittenKeys().forget(id);
        continue;
      }
      if (listedAt != null && listedAt != version) {
        listedPartitions.remove(id);
      }
      if (!partition.isMigrating() && handOver.isHandedOver(partition)) {
        owned.add(id);
        versionsNow.put(id, version);
      }
    }
    return owned;
  }

  /**
   * Lists the unwritten records of those of {@code owned} (as {@link #ownedNow()} returned them) not
   * listed since they were gained or changed hands (all of them every {@link WriteBehind#RESCAN_MILLIS}).
   */
  void listUnlisted(List<Integer> owned) {
    long now = System.currentTimeMillis();
    if (now >= nextRescanAt) {
      listedPartitions.clear();
      nextRescanAt = now + WriteBehind.RESCAN_MILLIS;
    }
    List<Integer> unlisted = new ArrayList<>();
    for (int partition : owned) {
      if (!listedPartitions.containsKey(partition)) {
        unlisted.add(partition);
      }
    }
    if (!unlisted.isEmpty()) {
      listUnwritten(unlisted);
    }
  }

  /** Lists the unwritten records of {@code partitions} (gained, or due for the periodic look). */
  private void listUnwritten(List<Integer> partitions) {
    if (!(cache.records() instanceof MapProxyImpl<Object, CacheRecord> proxy)) {
      return;
    }
    for (Map.Entry<Object, CacheRecord> e
        : proxy.entrySet(new UnwrittenRecords.Unwritten(),
            new PartitionIdSet(cache.partitionCount(), partitions))) {
      Data key = cache.serialization().toData(e.getKey());
      CacheRecord record = e.getValue();
      cache.unwrittenKeys().add(cache.partitionOf(key), key, record.version(), record.unwrittenSince(),
          record.value() == null ? 0 : record.value().length);
    }
    for (int partition : partitions) {
      listedPartitions.put(partition, versionsNow.get(partition));
    }
  }
}
