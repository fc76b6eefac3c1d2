package dev.tiercache;

import com.hazelcast.map.IMap;
import com.hazelcast.map.MapPartitionLostEvent;
import com.hazelcast.map.listener.MapPartitionLostListener;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * Makes a loss of a cache's data visible. When more members leave at once than the cache's map has
 * backups, Hazelcast reports the partitions of the map whose every copy was on them as lost: the
 * entries they held are gone, and reads of them are misses. This member counts the partitions it hears
 * of ({@link #lost()}: {@code TierCache.lostPartitions()}, the {@code cache.partitions.lost} meter,
 * Spring's health indicator) and logs a WARNING naming the cache and how many partitions, once per
 * burst: the partitions one departure takes are reported one by one, within moments of each other.
 */
final class PartitionLoss implements MapPartitionLostListener {

  private static final Logger LOG = Logger.getLogger(PartitionLoss.class.getName());
  /** How long the partitions of one loss are gathered before they are logged in one line. */
  private static final long GATHER_MILLIS = 1_000;

  private final String cacheName;
  private final IMap<?, ?> map;
  private final int backups;
  private final UUID registration;
  private final LongAdder lost = new LongAdder();
  private final AtomicBoolean logDue = new AtomicBoolean();
  private long logged;

  /** Listens for lost partitions of {@code map}, the L2 map of {@code cacheName}, kept with {@code backups}. */
  PartitionLoss(String cacheName, IMap<?, ?> map, int backups) {
    this.cacheName = cacheName;
    this.map = map;
    this.backups = backups;
    this.registration = map.addPartitionLostListener(this);
  }

  @Override
  public void partitionLost(MapPartitionLostEvent event) {
    lost.increment();
    if (logDue.compareAndSet(false, true)) {
      CompletableFuture.delayedExecutor(GATHER_MILLIS, TimeUnit.MILLISECONDS).execute(this::log);
    }
  }

  private synchronized void log() {
    logDue.set(false);
    long total = lost.sum();
    long now = total - logged;
    logged = total;
    LOG.warning("Cache " + cacheName + " lost " + now + " partition(s) of its data (" + total
        + " since it was opened here): more members left at once than its " + backups + " backup(s). "
        + "The entries those partitions held are gone; reads of them are misses until they are loaded or "
        + "written again.");
  }

  /** Partitions of the cache this member heard were lost since it opened the cache. */
  long lost() {
    return lost.sum();
  }

  void close() {
    try {
      map.removePartitionLostListener(registration);
    } catch (RuntimeException e) {
      // the member is stopping or the map is gone: nothing left to listen to
    }
  }
}
