package dev.tiercache.management;

import java.util.concurrent.atomic.LongAdder;
import javax.cache.management.CacheStatisticsMXBean;

/**
 * JCache statistics of one cache as seen by the member that issues the operations. Counting on the
 * caller (not on the partition owner) makes the numbers exact whatever the cluster size: every
 * operation learns its outcome (hit, miss, put, removal) and records it here. Counters are
 * {@link LongAdder}s so that counting costs no contention on the hot path.
 *
 * <p>The statistics know whether they are enabled ({@code setStatisticsEnabled}, the configuration's flag):
 * while they are not, every {@code record} call and the timer are no-ops, so callers never check, and a
 * disabled cache does not even read the clock.
 */
public final class CacheStatistics implements CacheStatisticsMXBean {

  /** {@link #recordTime} flags: the averages an operation's time counts toward, as JCache defines them. */
  public static final int GET = 1;
  public static final int PUT = 2;
  public static final int REMOVE = 4;

  private final LongAdder nearHits = new LongAdder();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder puts = new LongAdder();
  private final LongAdder removals = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder loads = new LongAdder();
  private final LongAdder refreshes = new LongAdder();
  private final LongAdder refreshFailures = new LongAdder();
  private final LongAdder staleHits = new LongAdder();
  private final LongAdder getNanos = new LongAdder();
  private final LongAdder putNanos = new LongAdder();
  private final LongAdder removeNanos = new LongAdder();
  private volatile boolean enabled;

  public CacheStatistics(boolean enabled) {
    this.enabled = enabled;
  }

  /** Switches counting on or off; what was counted stays. */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public boolean isEnabled() {
    return enabled;
  }

  /** A start for {@link #recordTime}: {@code System.nanoTime()}, or 0 without reading the clock when disabled. */
  public long startTimer() {
    return enabled ? System.nanoTime() : 0;
  }

  /** Adds the time since {@code startNanos} to each average in {@code averages} ({@link #GET} | {@link #PUT} | {@link #REMOVE}). */
  public void recordTime(long startNanos, int averages) {
    if (!enabled) {
      return;
    }
    long elapsed = System.nanoTime() - startNanos;
    if ((averages & GET) != 0) {
      getNanos.add(elapsed);
    }
    if ((averages & PUT) != 0) {
      putNanos.add(elapsed);
    }
    if ((averages & REMOVE) != 0) {
      removeNanos.add(elapsed);
    }
  }

  /** One hit if {@code hit}, else one miss. */
  public void recordHitOrMiss(boolean hit) {
    if (hit) {
      recordHits(1);
    } else {
      recordMisses(1);
    }
  }

  /** Hits served by this member's near cache (L1). */
  public void recordNearHits(long count) {
    if (enabled) {
      nearHits.add(count);
    }
  }

  /** Hits served by the shared map (L2). */
  public void recordHits(long count) {
    if (enabled) {
      hits.add(count);
    }
  }

  public void recordMisses(long count) {
    if (enabled) {
      misses.add(count);
    }
  }

  public void recordPuts(long count) {
    if (enabled) {
      puts.add(count);
    }
  }

  public void recordRemovals(long count) {
    if (enabled) {
      removals.add(count);
    }
  }

  /** Values a read-through load brought in (a Tiercache extension, not a JCache MXBean attribute). */
  public void recordLoads(long count) {
    if (enabled) {
      loads.add(count);
    }
  }

  /** Background reloads stored (a Tiercache extension). */
  public void recordRefreshes(long count) {
    if (enabled) {
      refreshes.add(count);
    }
  }

  /** Background reloads whose loader failed; the value stayed (a Tiercache extension). */
  public void recordRefreshFailures(long count) {
    if (enabled) {
      refreshFailures.add(count);
    }
  }

  /** Hits served past the entry's time to live, in its stale window (a Tiercache extension; also hits). */
  public void recordStaleHits(long count) {
    if (enabled) {
      staleHits.add(count);
    }
  }

  public void recordEvictions(long count) {
    if (enabled) {
      evictions.add(count);
    }
  }

  public void recordGetTime(long nanos) {
    if (enabled) {
      getNanos.add(nanos);
    }
  }

  public void recordPutTime(long nanos) {
    if (enabled) {
      putNanos.add(nanos);
    }
  }

  public void recordRemoveTime(long nanos) {
    if (enabled) {
      removeNanos.add(nanos);
    }
  }

  @Override
  public void clear() {
    for (LongAdder adder : new LongAdder[] {nearHits, hits, misses, puts, removals, evictions, loads, refreshes,
        refreshFailures, staleHits, getNanos, putNanos, removeNanos}) {
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

  /** Background reloads stored (not part of the JCache MXBean). */
  public long getRefreshes() {
    return refreshes.sum();
  }

  /** Background reloads that failed, keeping the value (not part of the JCache MXBean). */
  public long getRefreshFailures() {
    return refreshFailures.sum();
  }

  /** Hits served in an entry's stale window, past its time to live (not part of the JCache MXBean). */
  public long getStaleHits() {
    return staleHits.sum();
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
