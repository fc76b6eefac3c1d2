package dev.tiercache.management;

import java.util.concurrent.atomic.LongAdder;
import javax.cache.management.CacheStatisticsMXBean;

/**
 * JCache statistics of one cache as seen by the member that issues the operations. Counting on the
 * caller (not on the partition owner) makes the numbers exact whatever the cluster size: every
 * operation learns its outcome (hit, miss, put, removal) and records it here. Counters are
 * {@link LongAdder}s so that counting costs no contention on the hot path; when statistics are off
 * the cache does not call in at all.
 */
public final class CacheStatistics implements CacheStatisticsMXBean {

  private final LongAdder nearHits = new LongAdder();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder puts = new LongAdder();
  private final LongAdder removals = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder loads = new LongAdder();
  private final LongAdder getNanos = new LongAdder();
  private final LongAdder putNanos = new LongAdder();
  private final LongAdder removeNanos = new LongAdder();

  /** Hits served by this member's near cache (L1). */
  public void recordNearHits(long count) {
    nearHits.add(count);
  }

  /** Hits served by the shared map (L2). */
  public void recordHits(long count) {
    hits.add(count);
  }

  public void recordMisses(long count) {
    misses.add(count);
  }

  public void recordPuts(long count) {
    puts.add(count);
  }

  public void recordRemovals(long count) {
    removals.add(count);
  }

  /** Values a read-through load brought in (a Tiercache extension, not a JCache MXBean attribute). */
  public void recordLoads(long count) {
    loads.add(count);
  }

  public void recordEvictions(long count) {
    evictions.add(count);
  }

  public void recordGetTime(long nanos) {
    getNanos.add(nanos);
  }

  public void recordPutTime(long nanos) {
    putNanos.add(nanos);
  }

  public void recordRemoveTime(long nanos) {
    removeNanos.add(nanos);
  }

  @Override
  public void clear() {
    for (LongAdder adder : new LongAdder[] {nearHits, hits, misses, puts, removals, evictions, loads, getNanos, putNanos,
        removeNanos}) {
      adder.reset();
    }
  }

  @Override
  public long getCacheHits() {
    return nearHits.sum() + hits.sum();
  }

  /** Hits served by this member's near cache (a Tiercache extension). */
  public long getL1Hits() {
    return nearHits.sum();
  }

  /** Hits served by the shared map, L2 (a Tiercache extension). */
  public long getL2Hits() {
    return hits.sum();
  }

  @Override
  public float getCacheHitPercentage() {
    long gets = getCacheGets();
    return gets == 0 ? 0f : 100f * getCacheHits() / gets;
  }

  @Override
  public long getCacheMisses() {
    return misses.sum();
  }

  @Override
  public float getCacheMissPercentage() {
    long gets = getCacheGets();
    return gets == 0 ? 0f : 100f * getCacheMisses() / gets;
  }

  @Override
  public long getCacheGets() {
    return getCacheHits() + misses.sum();
  }

  @Override
  public long getCachePuts() {
    return puts.sum();
  }

  @Override
  public long getCacheRemovals() {
    return removals.sum();
  }

  /** Values loaded through the cache loader on read-through (not part of the JCache MXBean). */
  public long getCacheLoads() {
    return loads.sum();
  }

  @Override
  public long getCacheEvictions() {
    return evictions.sum();
  }

  /** Microseconds, as the JCache MXBean defines it. */
  @Override
  public float getAverageGetTime() {
    return average(getNanos.sum(), getCacheGets());
  }

  @Override
  public float getAveragePutTime() {
    return average(putNanos.sum(), getCachePuts());
  }

  @Override
  public float getAverageRemoveTime() {
    return average(removeNanos.sum(), getCacheRemovals());
  }

  private static float average(long nanos, long count) {
    return count == 0 ? 0f : nanos / 1000f / count;
  }
}
