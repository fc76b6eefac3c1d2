package dev.tiercache.integration;

import com.hazelcast.aggregation.Aggregators;
import com.hazelcast.replicatedmap.ReplicatedMap;
import dev.tiercache.cluster.UnwrittenRecords;
import dev.tiercache.config.WriteBehindSettings;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import javax.cache.integration.CacheWriterException;

/**
 * The bounds of one write-behind cache: of the changes waiting cluster-wide, and of the cache's map. A
 * change is let in only while the backlog (as last sampled) has room, else it waits or is refused
 * before it changes anything; and the map is kept near {@code max-entries} per member by removing only
 * written records, never an unwritten one (it is the only copy of its change).
 */
final class Backlog {

  private static final long BLOCK_LIMIT_MILLIS = 30_000;
  private static final long EVICTION_CHECK_MILLIS = 1_000;

  private final CacheContext cache;
  /** Unwritten records per member (by member UUID), for the cluster-wide backlog. */
  private final ReplicatedMap<String, Long> unwrittenByMember;
  private final int maxEntriesPerMember;
  /** The writer's last error, for the message of a refused change. */
  private final Supplier<String> lastError;
  private volatile long approximateBacklog;
  private long nextEvictionCheckAt;
  private final LongAdder evicted = new LongAdder();
  /** Told how many records each eviction removed (the cache's statistics). */
  private final LongConsumer onEvicted;

  Backlog(CacheContext cache, ReplicatedMap<String, Long> unwrittenByMember, int maxEntriesPerMember,
      Supplier<String> lastError, LongConsumer onEvicted) {
    this.cache = cache;
    this.unwrittenByMember = unwrittenByMember;
    this.maxEntriesPerMember = maxEntriesPerMember;
    this.lastError = lastError;
    this.onEvicted = onEvicted;
  }

  /** Waits while the backlog is full (or refuses, as configured), before a change is made. */
  void awaitRoom() {
    if (approximateBacklog < cache.settings().maxBacklog()) {
      return;
    }
    if (cache.settings().whenFull() == WriteBehindSettings.WhenFull.BLOCK) {
      long deadline = System.currentTimeMillis() + BLOCK_LIMIT_MILLIS;
      while (System.currentTimeMillis() < deadline) {
        approximateBacklog = backlog();
        if (approximateBacklog < cache.settings().maxBacklog()) {
          return;
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    String error = lastError.get();
    throw new CacheWriterException("Write-behind backlog of cache " + cache.cacheName() + " is full ("
        + approximateBacklog + " changes waiting, limit " + cache.settings().maxBacklog()
        + "; last writer error: "
        + (error.isEmpty() ? "none" : error) + "). The cache was not changed.");
  }

  /** Samples the backlog for {@link #awaitRoom()} (the flusher does, a few times a second). */
  void sample() {
    approximateBacklog = backlog();
  }

  /**
   * Changes waiting cluster-wide, counted exactly: the pending map's entries plus the unwritten records
   * (one query over the cache's map; the backlog bound uses the cheaper {@link #backlog()}).
   */
  long exact() {
    long unwritten = cache.records().aggregate(Aggregators.count(), new UnwrittenRecords.Unwritten());
    return cache.pending().size() + unwritten;
  }

  /** Changes waiting cluster-wide: the pending map's, plus the unwritten records each member reports. */
  private long backlog() {
    long unwritten = 0;
    for (Long count : unwrittenByMember.values()) {
      unwritten += count;
    }
    return cache.pending().size() + unwritten;
  }

  /** Tells the other members how many unwritten records this member lists (owned partitions only). */
  void publishUnwrittenCount() {
    String self = cache.hazelcast().getCluster().getLocalMember().getUuid().toString();
    long count = cache.unwrittenKeys().size();
    Long published = unwrittenByMember.get(self);
    if (published == null || published != count) {
      unwrittenByMember.put(self, count);
    }
  }

  /** Forgets the count {@code member} published (it left, or stopped writing behind). */
  void forget(UUID member) {
    unwrittenByMember.remove(member.toString());
  }

  /**
   * Keeps the cache's map near {@code max-entries} per member, by removing a share of the written
   * records when it holds more (run by the oldest member, at most once a second). Unwritten records
   * are never removed; the backlog bound limits how many there are.
   */
  void evictIfOverBound() {
    long now = System.currentTimeMillis();
    if (now < nextEvictionCheckAt
        || !cache.hazelcast().getCluster().getMembers().iterator().next().localMember()) {
      return;
    }
    nextEvictionCheckAt = now + EVICTION_CHECK_MILLIS;
    long limit = (long) maxEntriesPerMember * cache.hazelcast().getCluster().getMembers().size();
    long size = cache.records().size();
    if (size <= limit) {
      return;
    }
    // Down to 90% of the bound, as a share of the written records (the unwritten stay).
    long excess = size - limit * 9 / 10;
    long written = Math.max(1, size - backlog());
    int perMille = (int) Math.min(1000, Math.max(1, (excess * 1000 + written - 1) / written));
    int salt = java.util.concurrent.ThreadLocalRandom.current().nextInt();
    int removed = cache.records().executeOnEntries(UnwrittenRecords.RemoveWritten.share(perMille, salt)).size();
    evicted.add(removed);
    onEvicted.accept(removed);
  }

  /** Records removed by {@link #evictIfOverBound()}, cluster-wide (this member runs it for all). */
  long evicted() {
    return evicted.sum();
  }
}
