package dev.tiercache.integration;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.map.IMap;
import com.hazelcast.spi.impl.NodeEngine;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.cluster.PendingWrite;
import dev.tiercache.cluster.UnwrittenKeys;
import dev.tiercache.config.WriteBehindSettings;

/**
 * What the parts of one cache's write-behind on this member share: the cache, its maps and the member
 * they live on, obtained once by {@link WriteBehind}, so that every part works on the same proxies and
 * index. Holds no state of its own.
 *
 * @param records the cache's map (its records may be unwritten changes)
 * @param pending the cache's pending map ({@link PendingWrite})
 * @param unwrittenKeys this member's index of the unwritten records of {@code records}
 */
record CacheContext(String cacheName, HazelcastInstance hazelcast, SerializationService serialization,
    WriteBehindSettings settings, IMap<Object, PendingWrite> pending, IMap<Object, CacheRecord> records,
    UnwrittenKeys unwrittenKeys, int partitionCount, NodeEngine nodeEngine) {

  long clusterTime() {
    return hazelcast.getCluster().getClusterTime();
  }

  int partitionOf(Data key) {
    return hazelcast.getPartitionService().getPartition(key).getPartitionId();
  }
}
