package dev.tiercache.cluster;

import com.hazelcast.map.impl.MapService;
import com.hazelcast.map.impl.MapServiceContext;
import com.hazelcast.map.impl.recordstore.RecordStore;
import com.hazelcast.spi.impl.NodeEngine;

/**
 * The heap that maps take on this member, as Hazelcast's own heap-based eviction counts it: the cost of
 * every record of the map in every partition replica the member holds, primaries and backups alike.
 * Read without taking the partition threads (each store's cost is a counter its own thread keeps), so a
 * reading is a little behind the writes in flight.
 */
public final class HeapHeld {

  private HeapHeld() {}

  /** Bytes that the maps named {@code mapNames} take on the member of {@code nodeEngine}. */
  public static long bytes(NodeEngine nodeEngine, String... mapNames) {
    MapServiceContext maps = nodeEngine.<MapService>getService(MapService.SERVICE_NAME).getMapServiceContext();
    int partitions = nodeEngine.getPartitionService().getPartitionCount();
    long bytes = 0;
    for (int partition = 0; partition < partitions; partition++) {
      for (String mapName : mapNames) {
        RecordStore<?> store = maps.getExistingRecordStore(partition, mapName);
        if (store != null) {
          bytes += store.getOwnedEntryCost();
        }
      }
    }
    return bytes;
  }
}
