package dev.tiercache.integration;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.util.collection.PartitionIdSet;
import com.hazelcast.map.impl.proxy.MapProxyImpl;
import com.hazelcast.query.Predicates;
import com.hazelcast.spi.properties.ClusterProperty;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.cluster.MarkWrittenOperation;
import dev.tiercache.cluster.PendingWrite;
import dev.tiercache.cluster.ReadRecordsOperation;
import dev.tiercache.cluster.UnwrittenKeys;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The flush loop of one write-behind cache on this member. At most one flush runs here at a time, under
 * the flush lock (which another member that gained partitions waits for, {@link HandOverFence}); it
 * writes only the partitions this member owns and has had {@linkplain PartitionHandOver handed over},
 * oldest change first, and afterwards drops from the cluster only what the writer took and what did not
 * change since it was read: a pending change by its stamp, an unwritten record by its version.
 */
final class Flusher {

  // The facade's logger name, so that logging configured for write-behind still applies.
  private static final Logger LOG = Logger.getLogger(WriteBehind.class.getName());
  private static final long MAX_IDLE_LOOK_MILLIS = 1_000;
  /** Most bytes of values one flush reads: a 32nd of the heap (see {@link #withinFlushBytes}). */
  private static final long FLUSH_BYTES = Runtime.getRuntime().maxMemory() / 32;

  private final CacheContext cache;
  private final BatchWriter<?, ?> batchWriter;
  private final PartitionHandOver handOver;
  private final OwnedPartitions partitions;
  private final Backlog backlog;
  private final ScheduledExecutorService executor;
  /** Held for the whole of a flush, so that another member can wait until a flush in progress here is over. */
  private final ReentrantLock flushLock = new ReentrantLock();
  private volatile long oldestPendingSince;
  /** Cluster time before which no pending change this member owns is due (a flusher tick skips reading). */
  private volatile long nextDueAt;
  /** Of the changes the current flush read, those that came from unwritten records: key → its record. */
  private final Map<Object, RecordChange> fromRecords = new HashMap<>();
  private volatile boolean closed;
  /** The member is shutting down: a flush in progress stops after its current batch. */
  private volatile boolean stopping;

  Flusher(CacheContext cache, BatchWriter<?, ?> batchWriter, PartitionHandOver handOver, Backlog backlog) {
    this.cache = cache;
    this.batchWriter = batchWriter;
    this.handOver = handOver;
    this.partitions = new OwnedPartitions(cache, handOver);
    this.backlog = backlog;
    // Starts no thread until start() schedules the tick.
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "tiercache-write-behind-" + cache.cacheName());
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Starts the flusher thread: a few looks per delay. */
  void start() {
    long tick = Math.max(10, Math.min(200, cache.settings().delayMillis() / 4));
    executor.scheduleWithFixedDelay(this::flushTick, tick, tick, TimeUnit.MILLISECONDS);
  }

  private void flushTick() {
    try {
      backlog.publish();
      backlog.sample();
      if (System.currentTimeMillis() >= batchWriter.nextAttemptAt() && cache.clusterTime() >= nextDueAt) {
        flush(false);
      }
      backlog.evictIfOverBound();
    } catch (RuntimeException e) {
      if (!closed && cache.hazelcast().getLifecycleService().isRunning()) {
        LOG.log(Level.WARNING, "Write-behind of cache " + cache.cacheName() + " failed to run", e);
      }
    }
  }

  /**
   * Writes the due changes of the partitions this member owns ({@code all}: every change, due or not).
   * Returns whether the writer accepted everything it was given.
   */
  boolean flush(boolean all) {
    // Before taking the lock, or two members that gained partitions from each other would wait for
    // each other. A flush of everything waits for the hand-over; the periodic one writes what it can.
    boolean handedOverAll = handOver.awaitHandOver(all);
    flushLock.lock();
    try {
      return flushOwned(all) && handedOverAll;
    } finally {
      flushLock.unlock();
    }
  }

  /** The flush itself, under the lock. */
  private boolean flushOwned(boolean all) {
    List<Integer> owned = partitions.ownedNow();
    fromRecords.clear();
    // What is waiting: the pending map's changes (read with their values) and the unwritten records the
    // index lists (only their keys and times: values are read below, for those that are written now).
    List<Map.Entry<Object, PendingWrite>> pendingChanges = readOwnedChanges(owned);
    Runnable hook = WriteBehind.afterPendingRead;
    if (hook != null) {
      hook.run();
    }
    List<Candidate> changes = new ArrayList<>();
    Set<Object> pendingKeys = new HashSet<>();
    for (Map.Entry<Object, PendingWrite> change : pendingChanges) {
      changes.add(new Candidate(change.getValue().since(), change, null, 0, null));
      pendingKeys.add(change.getKey());
    }
    addListedRecords(owned, changes);
    if (changes.isEmpty()) {
      oldestPendingSince = 0;
      return true;
    }
    changes.sort(Comparator.comparingLong(Candidate::since));
    oldestPendingSince = changes.get(0).since();
    long now = cache.clusterTime();
    long cutoff = all ? Long.MAX_VALUE : now - cache.settings().delayMillis();
    int dueCount = 0;
    while (dueCount < changes.size() && changes.get(dueCount).since() <= cutoff) {
      dueCount++;
    }
    // Round the last batch up with the oldest changes not yet due, so that batches are as large as
    // configured whenever there is that much work; writing those a little early is harmless.
    int batch = cache.settings().batchSize();
    int take = withinFlushBytes(changes, Math.min(changes.size(), (dueCount + batch - 1) / batch * batch));
    // Nothing left is due before the oldest remaining change is; a change that arrives later is due
    // later still. Look again then, or within a second at most (a promoted backup may bring older ones).
    long nextDue = take < changes.size() ? changes.get(take).since() + cache.settings().delayMillis()
        : now + cache.settings().delayMillis();
    nextDueAt = Math.min(nextDue, now + MAX_IDLE_LOOK_MILLIS);
    List<Map.Entry<Object, PendingWrite>> due = resolve(changes.subList(0, take), pendingKeys);
    try {
      for (int from = 0; from < due.size(); from += batch) {
        if (stopping || !batchWriter.writeBatch(due.subList(from, Math.min(due.size(), from + batch)))) {
          return false;
        }
      }
      return true;
    } finally {
      removeWritten();
    }
  }

  /**
   * How many of the first {@code take} changes one flush handles so that the values it reads stay within
   * {@link #FLUSH_BYTES} (at least one): the flush holds each value serialized and, while its batch is
   * written, as an object too, beside the cache's own copies. Large values would otherwise take a heap
   * share the size of the backlog at once. The rest are due at once and go in the next flush.
   */
  private static int withinFlushBytes(List<Candidate> changes, int take) {
    long bytes = 0;
    for (int i = 0; i < take; i++) {
      bytes += changes.get(i).bytes();
      if (bytes > FLUSH_BYTES && i > 0) {
        return i;
      }
    }
    return take;
  }

  /**
   * A change waiting to be written: a pending-map change (with its value), or a listed unwritten record
   * (its key as stored, partition and what the index knows; the value is read when it is written).
   */
  private record Candidate(long since, Map.Entry<Object, PendingWrite> pending, Data key, int partition,
      UnwrittenKeys.Listed listed) {

    /** The serialized size of the change's value, as far as it is known before it is read. */
    long bytes() {
      if (listed != null) {
        return listed.bytes();
      }
      byte[] value = pending.getValue().value();
      return value == null ? 0 : value.length;
    }
  }

  /** A change read from an unwritten record: its key as stored, partition and version. */
  private record RecordChange(Data key, int partition, long version) {}

  /**
   * The pending changes of the partitions this member owns, read in one query over those partitions.
   * Uses the member-side map proxy's partition-restricted query; any other proxy falls back to the
   * public (two-step) way.
   */
  private List<Map.Entry<Object, PendingWrite>> readOwnedChanges(List<Integer> owned) {
    if (owned.isEmpty()) {
      return new ArrayList<>();
    }
    if (cache.pending() instanceof MapProxyImpl<Object, PendingWrite> proxy) {
      return new ArrayList<>(
          proxy.entrySet(Predicates.alwaysTrue(), new PartitionIdSet(cache.partitionCount(), owned)));
    }
    Set<Object> keys = cache.pending().localKeySet();
    return keys.isEmpty() ? new ArrayList<>() : new ArrayList<>(cache.pending().getAll(keys).entrySet());
  }

  /**
   * Adds to {@code changes} the unwritten records the index lists for the partitions this member owns,
   * after listing those not listed yet ({@link OwnedPartitions#listUnlisted}).
   */
  private void addListedRecords(List<Integer> owned, List<Candidate> changes) {
    if (owned.isEmpty()) {
      return;
    }
    partitions.listUnlisted(owned);
    for (int partition : owned) {
      cache.unwrittenKeys().keys(partition).forEach((key, listed) ->
          changes.add(new Candidate(listed.since(), null, key, partition, listed)));
    }
  }

  /**
   * The changes to write now: the pending-map changes among {@code taken} as they are, and for the listed
   * records their current value, read now, if the record is still unwritten and its key has no
   * pending-map change (which is newer). Listed keys whose record was written or replaced meanwhile are
   * unlisted, unless a put listed them again.
   */
  private List<Map.Entry<Object, PendingWrite>> resolve(List<Candidate> taken, Set<Object> pendingKeys) {
    List<Map.Entry<Object, PendingWrite>> due = new ArrayList<>(taken.size());
    Map<Integer, List<Candidate>> listed = new HashMap<>();
    for (Candidate candidate : taken) {
      if (candidate.pending() != null) {
        due.add(candidate.pending());
      } else {
        listed.computeIfAbsent(candidate.partition(), p -> new ArrayList<>()).add(candidate);
      }
    }
    // One read per partition, all at once; the records come back serialized, aligned with the keys.
    List<Map.Entry<List<Candidate>, CompletableFuture<ReadRecordsOperation.Records>>> reads = new ArrayList<>();
    listed.forEach((partition, candidates) -> {
      Data[] keys = new Data[candidates.size()];
      for (int i = 0; i < keys.length; i++) {
        keys[i] = candidates.get(i).key();
      }
      reads.add(Map.entry(candidates,
          ReadRecordsOperation.submit(cache.nodeEngine(), cache.records().getName(), partition, keys)));
    });
    for (Map.Entry<List<Candidate>, CompletableFuture<ReadRecordsOperation.Records>> read : reads) {
      List<Candidate> candidates = read.getKey();
      ReadRecordsOperation.Records found = read.getValue().join();
      for (int i = 0; i < candidates.size(); i++) {
        Candidate candidate = candidates.get(i);
        Data serialized = found.get(i);
        CacheRecord record = serialized == null ? null : cache.serialization().toObject(serialized);
        if (record == null || !record.isUnwritten()) {
          cache.unwrittenKeys().remove(candidate.partition(), candidate.key(), candidate.listed().version());
          continue;
        }
        Object key = cache.serialization().toObject(candidate.key());
        if (!pendingKeys.contains(key)) {
          fromRecords.put(key, new RecordChange(candidate.key(), candidate.partition(), record.version()));
          due.add(Map.entry(key, PendingWrite.ofUnwrittenRecord(record)));
        }
      }
    }
    return due;
  }

  /**
   * Drops what the flush wrote: from the pending map each change only if it is still the change the
   * flusher read (its stamp, see {@link PendingWrite}), and from unwritten records the mark only if the
   * record still has the version written; one call per partition for the whole flush, each carrying only
   * that partition's keys (see {@link dev.tiercache.cluster.PerPartition} for why). If the member dies
   * before, the next owner writes those changes again (upserts make that harmless).
   */
  private void removeWritten() {
    Map<Object, PendingWrite> writtenThisFlush = batchWriter.completed();
    if (writtenThisFlush.isEmpty()) {
      return;
    }
    try {
      Map<Integer, Map<Data, PendingWrite>> pendingByPartition = new HashMap<>();
      Map<Integer, List<RecordChange>> recordsByPartition = new HashMap<>();
      writtenThisFlush.forEach((key, change) -> {
        RecordChange record = fromRecords.get(key);
        if (record == null) {
          Data k = cache.serialization().toData(key);
          pendingByPartition.computeIfAbsent(cache.partitionOf(k), p -> new HashMap<>()).put(k, change);
        } else {
          recordsByPartition.computeIfAbsent(record.partition(), p -> new ArrayList<>()).add(record);
        }
      });
      List<CompletableFuture<?>> calls = new ArrayList<>();
      pendingByPartition.forEach((partition, written) -> calls.add(cache.pending().submitToKeys(
          new HashSet<Object>(written.keySet()), PendingWrite.removeIfUnchanged(written)).toCompletableFuture()));
      recordsByPartition.forEach((partition, written) -> {
        Data[] keys = new Data[written.size()];
        long[] versions = new long[written.size()];
        for (int i = 0; i < keys.length; i++) {
          keys[i] = written.get(i).key();
          versions[i] = written.get(i).version();
        }
        calls.add(
            MarkWrittenOperation.submit(cache.nodeEngine(), cache.records().getName(), partition, keys, versions));
      });
      CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
      recordsByPartition.forEach((partition, written) ->
          written.forEach(record -> cache.unwrittenKeys().remove(partition, record.key(), record.version())));
    } finally {
      writtenThisFlush.clear();
      fromRecords.clear();
    }
  }

  /** Changes of the partitions this member owns still to be written (after a flush). */
  int ownedLeft() {
    flushLock.lock();
    try {
      partitions.ownedNow();
      return cache.pending().localKeySet().size() + cache.unwrittenKeys().size();
    } finally {
      flushLock.unlock();
    }
  }

  /** Waits at most {@code timeoutMillis} until a flush in progress on this member (if any) is over. */
  boolean awaitFlushInProgress(long timeoutMillis) throws InterruptedException {
    if (!flushLock.tryLock(timeoutMillis, TimeUnit.MILLISECONDS)) {
      return false;
    }
    flushLock.unlock();
    return true;
  }

  /** Cluster time of the oldest change the last flush found waiting, or 0 if it found none. */
  long oldestPendingSince() {
    return oldestPendingSince;
  }

  /** Stops the flusher thread for good (the cache closes); a flush on another thread may still run. */
  void close() {
    closed = true;
    executor.shutdownNow();
  }

  /** Whether the member is shutting down ({@link #stopBeforeShutdown()}): nothing more is written here. */
  boolean isStopping() {
    return stopping;
  }

  /**
   * Called as the member starts shutting down, before Hazelcast hands its partitions to the others
   * (a graceful shutdown, say on SIGTERM, without the caches being closed first): stops the flusher and
   * waits until a batch in progress has been written and marked, so that the next owners never write a
   * newer change before an older batch of this member commits; at most as long as Hazelcast waits for a
   * graceful shutdown ({@code hazelcast.graceful.shutdown.max.wait}, 600 s by default). What is not
   * written yet stays in the cluster (the records and the pending map move with their partitions).
   */
  void stopBeforeShutdown() {
    stopping = true;
    executor.shutdown();
    // As long as Hazelcast itself waits for a graceful shutdown to hand its partitions over.
    long maxWaitSeconds =
        cache.nodeEngine().getProperties().getSeconds(ClusterProperty.GRACEFUL_SHUTDOWN_MAX_WAIT);
    try {
      if (!awaitFlushInProgress(TimeUnit.SECONDS.toMillis(maxWaitSeconds))) {
        LOG.warning("Write-behind of cache " + cache.cacheName() + ": a batch was still being written when the"
            + " member shut down; a newer change of the same keys written by the next owner may be overwritten by it");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
