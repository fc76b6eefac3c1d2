package dev.tiercache.integration;

import com.hazelcast.aggregation.Aggregators;
import com.hazelcast.replicatedmap.ReplicatedMap;
import dev.tiercache.cluster.HeapHeld;
import dev.tiercache.cluster.UnwrittenRecords;
import dev.tiercache.config.WriteBehindSettings;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import javax.cache.integration.CacheWriterException;

/**
 * The bounds of one write-behind cache: of the changes waiting cluster-wide, and of the cache's map on
 * each member, by heap ({@code max-memory}) or by entries ({@code max-entries}). A change is let in only
 * while the backlog and the map (as last sampled) have room, else it waits or is refused before it
 * changes anything; and the map is kept below its bound by removing only written records, never an
 * unwritten one (it is the only copy of its change).
 *
 * <p>By heap, each member measures what the cache's map and pending map take on it (Hazelcast's own
 * cost of each record, primaries and backups, {@link HeapHeld}) on each flusher tick and publishes it;
 * the fullest member decides. Written records are removed from 80% of the bound down to 70%, four
 * times a second; a write that would take the fullest member past the bound (adding what this member has sent
 * that its last measurement does not hold: changes let in after it began, or still on their way then) is
 * refused, so only changes not yet written, or writes faster than the removal, can fill it.
 */
final class Backlog {

  private static final long BLOCK_LIMIT_MILLIS = 30_000;
  private static final long EVICTION_CHECK_MILLIS = 1_000;
  /** By heap, more often: large values fill a share of the heap faster than entries fill a count. */
  private static final long HEAP_EVICTION_CHECK_MILLIS = 250;

  private final CacheContext cache;
  /** Unwritten records per member (by member UUID), for the cluster-wide backlog. */
  private final ReplicatedMap<String, Long> unwrittenByMember;
  /** Bytes the cache's maps take per member (by member UUID), when the cache is bounded by heap. */
  private final ReplicatedMap<String, Long> heldByMember;
  /** The map's bound per member: one of the two is set, the other 0. */
  private final int maxEntriesPerMember;
  private final long maxBytesPerMember;
  /** The writer's last error, for the message of a refused change. */
  private final Supplier<String> lastError;
  private volatile long approximateBacklog;
  /** Bytes the fullest member held at the last sample, and what this member measured it holds. */
  private volatile long approximateHeld;
  private volatile long heldHere;
  /**
   * Bytes of the changes this member let in, ever, and of those of them that had reached the map, ever;
   * and how many had reached it when the last measurement began. What was let in beyond that is not in
   * {@link #heldHere}: a change let in but still on its way when the map was measured is not held yet.
   */
  private final LongAdder sent = new LongAdder();
  private final LongAdder landed = new LongAdder();
  private volatile long landedWhenMeasured;
  private long nextEvictionCheckAt;
  private final LongAdder evicted = new LongAdder();
  /** Told how many records each eviction removed (the cache's statistics). */
  private final LongConsumer onEvicted;

  Backlog(CacheContext cache, ReplicatedMap<String, Long> unwrittenByMember,
      ReplicatedMap<String, Long> heldByMember, int maxEntriesPerMember, long maxBytesPerMember,
      Supplier<String> lastError, LongConsumer onEvicted) {
    if ((maxEntriesPerMember > 0) == (maxBytesPerMember > 0)) {
      throw new IllegalArgumentException("A write-behind map is bounded by entries or by bytes: "
          + maxEntriesPerMember + " entries, " + maxBytesPerMember + " bytes");
    }
    this.cache = cache;
    this.unwrittenByMember = unwrittenByMember;
    this.heldByMember = heldByMember;
    this.maxEntriesPerMember = maxEntriesPerMember;
    this.maxBytesPerMember = maxBytesPerMember;
    this.lastError = lastError;
    this.onEvicted = onEvicted;
  }

  /**
   * Waits while the backlog or the map is full (or refuses, as configured), before a change of about
   * {@code bytes} (0 for a delete, which frees room) is made. The caller then says when the change has
   * reached the map, or failed to ({@link #landed}).
   */
  void awaitRoom(long bytes) {
    if (!hasRoom(bytes)) {
      if (cache.settings().whenFull() == WriteBehindSettings.WhenFull.BLOCK) {
        waitForRoom(bytes);
      }
      if (!hasRoom(bytes)) {
        throw refusal(bytes);
      }
    }
    sent.add(bytes);
  }

  /** A change of {@code bytes} that {@link #awaitRoom} let in is in the map now (or failed). */
  void landed(long bytes) {
    landed.add(bytes);
  }

  /** What this member let in that the last measurement does not hold. */
  private long sentSinceMeasured() {
    return sent.sum() - landedWhenMeasured;
  }

  private boolean hasRoom(long bytes) {
    return approximateBacklog < cache.settings().maxBacklog()
        && (bytes == 0 || maxBytesPerMember == 0 || approximateHeld + sentSinceMeasured() + bytes <= maxBytesPerMember);
  }

  private void waitForRoom(long bytes) {
    long deadline = System.currentTimeMillis() + BLOCK_LIMIT_MILLIS;
    while (System.currentTimeMillis() < deadline) {
      sample();
      if (hasRoom(bytes)) {
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private CacheWriterException refusal(long bytes) {
    String error = lastError.get();
    String cause = error.isEmpty() ? "none" : error;
    if (approximateBacklog >= cache.settings().maxBacklog()) {
      return new CacheWriterException("Write-behind backlog of cache " + cache.cacheName() + " is full ("
          + approximateBacklog + " changes waiting, limit " + cache.settings().maxBacklog()
          + "; last writer error: " + cause + "). The cache was not changed.");
    }
    return new CacheWriterException("Write-behind cache " + cache.cacheName() + " is full: a member holds "
        + megabytes(approximateHeld + sentSinceMeasured()) + " of its max-memory of "
        + megabytes(maxBytesPerMember) + " per member, and a change of " + megabytes(bytes)
        + " does not fit. Changes not yet written are never evicted (" + backlog()
        + " waiting; last writer error: " + cause + "). The cache was not changed.");
  }

  private static String megabytes(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
  }

  /** Samples the backlog and the fullest member for {@link #awaitRoom} (the flusher does, a few times a second). */
  void sample() {
    approximateBacklog = backlog();
    if (maxBytesPerMember > 0) {
      sampleHeld();
    }
  }

  private void sampleHeld() {
    long fullest = heldHere;
    for (Long held : heldByMember.values()) {
      fullest = Math.max(fullest, held);
    }
    approximateHeld = fullest;
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

  /**
   * Tells the other members how many unwritten records this member lists (owned partitions only) and,
   * when the cache is bounded by heap, how many bytes its maps take here.
   */
  void publish() {
    String self = cache.hazelcast().getCluster().getLocalMember().getUuid().toString();
    long count = cache.unwrittenKeys().size();
    Long published = unwrittenByMember.get(self);
    if (published == null || published != count) {
      unwrittenByMember.put(self, count);
    }
    if (maxBytesPerMember > 0) {
      long landedBefore = landed.sum();
      heldHere = HeapHeld.bytes(cache.nodeEngine(), cache.records().getName(), cache.pending().getName());
      Long held = heldByMember.get(self);
      // Republished on a change of over 1% of the bound, so that an idle cache sends nothing.
      if (held == null || Math.abs(held - heldHere) > maxBytesPerMember / 100) {
        heldByMember.put(self, heldHere);
      }
      sampleHeld(); // the new measurement counts before the changes it holds stop counting as sent
      landedWhenMeasured = landedBefore;
    }
  }

  /** Forgets what {@code member} published (it left, or stopped writing behind). */
  void forget(UUID member) {
    unwrittenByMember.remove(member.toString());
    heldByMember.remove(member.toString());
  }

  /**
   * Keeps the cache's map below its bound: by entries, near {@code max-entries} per member; by heap,
   * below 80% of {@code max-memory} on the fullest member, down to 70%. Removes a share of the written
   * records (run by the oldest member for the cluster: by entries once a second, by heap four times).
   * Unwritten records are never removed: the backlog bound, and by heap the refused writes, limit them.
   */
  void evictIfOverBound() {
    long now = System.currentTimeMillis();
    if (now < nextEvictionCheckAt
        || !cache.hazelcast().getCluster().getMembers().iterator().next().localMember()) {
      return;
    }
    nextEvictionCheckAt = now + (maxEntriesPerMember > 0 ? EVICTION_CHECK_MILLIS : HEAP_EVICTION_CHECK_MILLIS);
    double excessShare; // of all records
    long size;
    if (maxEntriesPerMember > 0) {
      long limit = (long) maxEntriesPerMember * cache.hazelcast().getCluster().getMembers().size();
      size = cache.records().size();
      if (size <= limit) {
        return;
      }
      excessShare = (size - limit * 9 / 10) / (double) size; // down to 90% of the bound
    } else {
      long held = approximateHeld;
      if (held <= maxBytesPerMember / 10 * 8) {
        return;
      }
      size = cache.records().size();
      excessShare = (held - maxBytesPerMember / 10 * 7) / (double) held; // records taken as alike in size
    }
    long written = Math.max(1, size - backlog());
    int perMille = (int) Math.min(1000, Math.max(1, Math.ceil(excessShare * size * 1000 / written)));
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
