package dev.tiercache.nearcache;

import com.github.benmanes.caffeine.cache.Cache;
import com.hazelcast.internal.nearcache.impl.invalidation.BatchNearCacheInvalidation;
import com.hazelcast.internal.nearcache.impl.invalidation.Invalidation;
import com.hazelcast.internal.partition.IPartitionService;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.map.impl.nearcache.invalidation.InvalidationListener;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * The invalidation listener of one near cache: hears every change of the map, from whichever member made
 * it (Hazelcast's near-cache invalidations, which the owner sends from inside the operation that changed
 * the record, numbered in the partition's sequence), drops the key from L1, value or reservation, and
 * tells {@link PartitionSequences} the number. A clear of the map drops everything. Invariant: an
 * invalidation delivered here leaves nothing of its key in L1, unless the near cache is closed or the
 * test hook {@link #drop} threw it away. Invalidations that are never delivered are the repair's business
 * ({@link NearCacheRepair}), which the numbers tell where to look.
 */
final class NearCacheInvalidations implements InvalidationListener {

  /** Test hook: the share of cluster invalidation messages to drop, to prove the repair. */
  private static volatile double dropShare;

  private final Cache<Object, Object> entries;
  private final SerializationService serialization;
  private final IPartitionService partitions;
  private final PartitionSequences sequences;
  /** The partition a clear of the map is numbered in (Hazelcast's choice: that of the map's name). */
  private final int clearPartition;
  private final LongAdder invalidations = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private volatile boolean closed;

  NearCacheInvalidations(String mapName, Cache<Object, Object> entries, SerializationService serialization,
      IPartitionService partitions, PartitionSequences sequences) {
    this.entries = entries;
    this.serialization = serialization;
    this.partitions = partitions;
    this.sequences = sequences;
    this.clearPartition = partitions.getPartitionId(mapName);
  }

  /** Test hook: drop this share (0 to 1) of the cluster's invalidation messages in this JVM. */
  static void drop(double share) {
    dropShare = share;
  }

  /** Keys dropped because a change was announced. */
  long count() {
    return invalidations.sum();
  }

  /** Cluster invalidation messages dropped by {@link #drop}. */
  long dropped() {
    return dropped.sum();
  }

  /** Ignores invalidations from now on: the near cache is closing. */
  void close() {
    closed = true;
  }

  @Override
  public void onInvalidate(Invalidation invalidation) {
    if (invalidation instanceof BatchNearCacheInvalidation batch) {
      batch.getInvalidations().forEach(this::invalidate);
    } else {
      invalidate(invalidation);
    }
  }

  private void invalidate(Invalidation invalidation) {
    if (ignored()) {
      return;
    }
    Data key = invalidation.getKey();
    if (key == null) {
      entries.invalidateAll();
    } else {
      // A key held by its serialized form is dropped by L2's own bytes of it, as the invalidation
      // carries them (serializing the deserialized key again may give other bytes).
      entries.invalidate(KeyIdentity.of(serialization.toObject(key), key));
    }
    invalidations.increment();
    sequences.heard(key == null ? clearPartition : partitions.getPartitionId(key), invalidation.getPartitionUuid(),
        invalidation.getSequence());
  }

  private boolean ignored() {
    if (closed) {
      return true;
    }
    double share = dropShare;
    if (share > 0 && ThreadLocalRandom.current().nextDouble() < share) {
      dropped.increment();
      return true;
    }
    return false;
  }
}
