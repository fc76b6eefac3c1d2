package dev.tiercache;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryEvictedListener;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.management.CacheStatistics;
import java.util.UUID;

/**
 * Counts the entries Hazelcast evicts from a cache's map to keep it within {@code max-entries}, as the
 * cache's {@code CacheEvictions}. Hazelcast evicts on each partition's owner, so each member counts the
 * evictions of the entries it owns (a local listener: the events never cross the network); the cluster's
 * count is the sum over members. A write-behind cache's map is bounded by write-behind itself, which
 * counts what it removes (see {@code WriteBehind}).
 */
final class L2Evictions implements EntryEvictedListener<Object, CacheRecord> {

  private final IMap<Object, CacheRecord> map;
  private final CacheStatistics statistics;
  private final UUID registration;

  L2Evictions(IMap<Object, CacheRecord> map, CacheStatistics statistics) {
    this.map = map;
    this.statistics = statistics;
    // Without values: an eviction event need not carry (and hold on to) the evicted value.
    this.registration = map.addLocalEntryListener(this, com.hazelcast.query.Predicates.alwaysTrue(), false);
  }

  @Override
  public void entryEvicted(EntryEvent<Object, CacheRecord> event) {
    statistics.recordEvictions(1);
  }

  void close() {
    try {
      map.removeEntryListener(registration);
    } catch (RuntimeException e) {
      // the member is stopping or the map is gone: nothing left to listen to
    }
  }
}
