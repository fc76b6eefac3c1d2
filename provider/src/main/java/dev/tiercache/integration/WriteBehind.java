package dev.tiercache.integration;

import com.hazelcast.aggregation.Aggregators;
import com.hazelcast.cluster.MembershipAdapter;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.internal.partition.IPartition;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.HeapData;
import com.hazelcast.internal.util.collection.PartitionIdSet;
import com.hazelcast.map.IMap;
import com.hazelcast.map.impl.proxy.MapProxyImpl;
import com.hazelcast.query.Predicates;
import com.hazelcast.replicatedmap.ReplicatedMap;
import com.hazelcast.spi.impl.AbstractDistributedObject;
import com.hazelcast.spi.impl.NodeEngine;
import com.hazelcast.spi.properties.ClusterProperty;
import dev.tiercache.cluster.CacheNames;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.cluster.DeadLetter;
import dev.tiercache.cluster.MarkWrittenOperation;
import dev.tiercache.cluster.PendingWrite;
import dev.tiercache.cluster.ReadRecordsOperation;
import dev.tiercache.cluster.UnwrittenKeys;
import dev.tiercache.cluster.UnwrittenRecords;
import dev.tiercache.cluster.WriteBehindPutProcessor;
import dev.tiercache.config.WriteBehindSettings;
import dev.tiercache.management.WriteBehindMXBean;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;

/**
 * Write-behind for one cache on this member: records acknowledged changes durably, and writes them
 * to the system of record later, in batches.
 *
 * <p><b>Where the queue lives.</b> Not in this JVM, and in two places of the cluster, both partitioned
 * like the cache and backed up on other members before the cache acknowledges a change:
 * <ul>
 *   <li>a plain put of an entry that never expires marks the cache's own record unwritten
 *       ({@link CacheRecord#isUnwritten()}, one operation: {@link WriteBehindPutProcessor}); the owner
 *       lists the key in its {@link UnwrittenKeys} index so that the flusher need not scan the map;</li>
 *   <li>every other change goes to the cache's pending map ({@link PendingWrite}, one entry per key).</li>
 * </ul>
 * Either way a key holds one change, its latest (later changes coalesce), and the pending map's is the
 * newer when both exist. A change is dropped only after the writer has taken it, and only if it did not
 * change after it was read (a record by its version, a pending entry by its stamp); a crash between the
 * two makes the change be written again (at least once), never not at all.
 *
 * <p><b>Who writes.</b> Each member writes the changes of the partitions it owns, so exactly one
 * member is responsible for a key at a time; when a member dies, the backups it leaves are promoted
 * and their new owners write them. A member that gains a partition (promotion or migration) first
 * waits until no other member is still writing a batch it read before the move ({@link HandOverFence}),
 * then reads that partition's unwritten records once to list them; every member lists all it owns
 * every {@value #RESCAN_MILLIS} ms in case it gained and lost ownership between two looks. A flusher
 * thread per cache looks a few times per delay for changes older than the delay, and hands them to
 * {@code writeAll}/{@code deleteAll} in batches of the configured size, oldest first.
 *
 * <p><b>Failures.</b> A failed batch is retried after a wait that doubles up to the configured maximum;
 * nothing is dropped. When the failure looks like a rejection of the data (SQL state class 22 or 23,
 * a {@code ClassCastException}), the batch is split and each change tried alone; those the writer
 * still rejects go to the dead-letter map, where {@link #deadLetterKeys()}, {@link #replay} and
 * {@link #discard} work on them. The backlog is bounded; when full, a write waits or is refused
 * ({@link WriteBehindSettings.WhenFull}), before it changes anything.
 *
 * <p><b>Bound.</b> Hazelcast does not evict a write-behind cache's map (it could drop an unwritten
 * record); the oldest member keeps it near {@code max-entries} per member by removing a share of the
 * written records once a second ({@link UnwrittenRecords.RemoveWritten}).
 */
public final class WriteBehind<K, V> implements WriteBehindMXBean {

  private static final Logger LOG = Logger.getLogger(WriteBehind.class.getName());
  private static final long BLOCK_LIMIT_MILLIS = 30_000;
  private static final long FIRST_RETRY_DELAY_MILLIS = 100;
  private static final int RECENT_BATCHES = 4096;
  private static final long MAX_IDLE_LOOK_MILLIS = 1_000;
  /** How often every member lists all unwritten records of the partitions it owns (see class comment). */
  static final long RESCAN_MILLIS = 30_000;
  private static final long EVICTION_CHECK_MILLIS = 1_000;
  /** How long a flush waits for the other members' flushes in progress before it tries again later. */
  private static final long HAND_OVER_TIMEOUT_MILLIS = 30_000;

  /** Test hook: runs in a flush between reading the pending map and reading the unwritten records. */
  static volatile Runnable afterPendingRead;

  private final String cacheName;
  private final HazelcastInstance hazelcast;
  private final SerializationService serialization;
  private final CacheWriter<K, V> writer;
  private final WriteBehindSettings settings;
  private final IMap<Object, PendingWrite> pending;
  private final IMap<Object, CacheRecord> records;
  private final int partitionCount;
  private final NodeEngine nodeEngine;
  private final UnwrittenKeys unwrittenKeys;
  /** Unwritten records per member (by member UUID), for the cluster-wide backlog. */
  private final ReplicatedMap<String, Long> unwrittenByMember;
  private final int maxEntriesPerMember;
  private final UUID membershipListener;
  private final UUID lifecycleListener;
  private final IMap<Object, DeadLetter> deadLetters;
  private final ScheduledExecutorService flusher;
  /** Held for the whole of a flush, so that another member can wait until a flush in progress here is over. */
  private final ReentrantLock flushLock = new ReentrantLock();
  /** Partition → its version when this member last made sure no other member still writes its changes. */
  private final Map<Integer, Integer> handedOver = new ConcurrentHashMap<>();
  private final Object handOverLock = new Object();
  /** The hand-over request in flight, if any: the partitions (and versions) it covers, and its answer. */
  private Map<Integer, Integer> handOverAsked;
  private CompletableFuture<Boolean> handOverAnswer;

  private final LongAdder written = new LongAdder();
  private final LongAdder deleted = new LongAdder();
  private final LongAdder batches = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder deadLettered = new LongAdder();
  private final int[] recentBatchSizes = new int[RECENT_BATCHES];
  private final AtomicLong batchCount = new AtomicLong();
  private volatile long approximateBacklog;
  private volatile long oldestPendingSince;
  private volatile String lastError = "";
  private volatile long nextAttemptAt;
  /** Cluster time before which no pending change this member owns is due (a flusher tick skips reading). */
  private volatile long nextDueAt;
  private long retryDelay = FIRST_RETRY_DELAY_MILLIS;
  /** Changes the current flush has handed to the writer successfully (or dead-lettered), by key. */
  private final Map<Object, PendingWrite> writtenThisFlush = new HashMap<>();
  /** Of the changes the current flush read, those that came from unwritten records: key → its record. */
  private final Map<Object, RecordChange> fromRecords = new HashMap<>();
  /** Partitions whose unwritten records have been listed, with their version then (a new version: list again). */
  private final Map<Integer, Integer> listedPartitions = new HashMap<>();
  /** The versions of the partitions this member writes, as this flush found them (see {@link #ownedPartitions()}). */
  private final Map<Integer, Integer> versionsNow = new HashMap<>();
  private long nextRescanAt;
  private long nextEvictionCheckAt;
  private final LongAdder evicted = new LongAdder();
  private volatile boolean closed;
  /** The member is shutting down: a flush in progress stops after its current batch. */
  private volatile boolean stopping;

  public WriteBehind(String cacheName, HazelcastInstance hazelcast, SerializationService serialization,
      String mapName, CacheWriter<K, V> writer, WriteBehindSettings settings, int maxEntriesPerMember) {
    this.cacheName = cacheName;
    this.hazelcast = hazelcast;
    this.serialization = serialization;
    this.writer = writer;
    this.settings = settings;
    this.pending = hazelcast.getMap(CacheNames.pendingName(mapName));
    this.deadLetters = hazelcast.getMap(CacheNames.deadLettersName(mapName));
    this.records = hazelcast.getMap(mapName);
    this.unwrittenKeys = UnwrittenKeys.of(hazelcast.getName(), mapName);
    this.unwrittenByMember = hazelcast.getReplicatedMap(CacheNames.unwrittenCountsName(mapName));
    this.maxEntriesPerMember = maxEntriesPerMember;
    this.partitionCount = hazelcast.getPartitionService().getPartitions().size();
    this.nodeEngine = ((AbstractDistributedObject<?>) records).getNodeEngine();
    hazelcast.getUserContext().put(HandOverFence.contextKey(mapName), this);
    this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "tiercache-write-behind-" + cacheName);
      thread.setDaemon(true);
      return thread;
    });
    long tick = Math.max(10, Math.min(200, settings.delayMillis() / 4));
    flusher.scheduleWithFixedDelay(this::flushTick, tick, tick, TimeUnit.MILLISECONDS);
    this.lifecycleListener = hazelcast.getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == LifecycleEvent.LifecycleState.SHUTTING_DOWN) {
        stopBeforeShutdown();
      }
    });
    this.membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipAdapter() {
      @Override
      public void memberRemoved(MembershipEvent event) {
        unwrittenByMember.remove(event.getMember().getUuid().toString());
      }
    });
  }

  /** The name of the map that holds this cache's pending changes. */
  public String pendingMapName() {
    return pending.getName();
  }

  public WriteBehindSettings settings() {
    return settings;
  }

  // ------------------------------------------------------------------ recording (caller holds the key's lock)

  /** Records that {@code key} is to be written with {@code value} (serialized). */
  public void recordWrite(Data key, byte[] value) {
    awaitRoom();
    pending.executeOnKey(key, PendingWrite.record(value, clusterTime()));
  }

  /** Records that {@code key} is to be deleted. */
  public void recordDelete(Data key) {
    awaitRoom();
    pending.executeOnKey(key, PendingWrite.record(null, clusterTime()));
  }

  /**
   * Moves the change an unwritten record holds into the pending map, unless the pending map already has
   * a (newer) change of the key; for a caller about to remove the record, holding the key's lock. Needs
   * no room: the change is in the backlog already.
   */
  public void handOver(Data key, CacheRecord record) {
    if (pending.get(key) == null) {
      pending.executeOnKey(key, PendingWrite.record(record.value(), record.unwrittenSince()));
    }
  }

  /**
   * The change of {@code key} in the pending map, or {@code null}. Read-through must not load over it
   * (an unwritten record needs no such care: it is there, so nothing loads).
   */
  public PendingWrite pendingFor(Data key) {
    return pending.get(key);
  }

  /**
   * Waits while the backlog is full (or refuses, as configured), before a change is made. Called by the
   * recording methods, and by the cache before a one-operation put.
   */
  public void awaitRoom() {
    if (approximateBacklog < settings.maxBacklog()) {
      return;
    }
    if (settings.whenFull() == WriteBehindSettings.WhenFull.BLOCK) {
      long deadline = System.currentTimeMillis() + BLOCK_LIMIT_MILLIS;
      while (System.currentTimeMillis() < deadline) {
        approximateBacklog = backlog();
        if (approximateBacklog < settings.maxBacklog()) {
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
    throw new CacheWriterException("Write-behind backlog of cache " + cacheName + " is full ("
        + approximateBacklog + " changes waiting, limit " + settings.maxBacklog() + "; last writer error: "
        + (lastError.isEmpty() ? "none" : lastError) + "). The cache was not changed.");
  }

  // ------------------------------------------------------------------ flushing

  private void flushTick() {
    try {
      publishUnwrittenCount();
      approximateBacklog = backlog();
      if (System.currentTimeMillis() >= nextAttemptAt && clusterTime() >= nextDueAt) {
        flush(false);
      }
      evictIfOverBound();
    } catch (RuntimeException e) {
      if (!closed && hazelcast.getLifecycleService().isRunning()) {
        LOG.log(Level.WARNING, "Write-behind of cache " + cacheName + " failed to run", e);
      }
    }
  }

  /**
   * Writes the due changes of the partitions this member owns ({@code all}: every change, due or not).
   * Returns whether the writer accepted everything it was given.
   */
  private boolean flush(boolean all) {
    // Before taking the lock, or two members that gained partitions from each other would wait for
    // each other. A flush of everything waits for the hand-over; the periodic one writes what it can.
    boolean handedOverAll = awaitHandOver(all);
    flushLock.lock();
    try {
      return flushOwned(all) && handedOverAll;
    } finally {
      flushLock.unlock();
    }
  }

  /** The flush itself, under the lock. */
  private boolean flushOwned(boolean all) {
    List<Integer> owned = ownedPartitions();
    fromRecords.clear();
    // What is waiting: the pending map's changes (read with their values) and the unwritten records the
    // index lists (only their keys and times: values are read below, for those that are written now).
    List<Map.Entry<Object, PendingWrite>> pendingChanges = readOwnedChanges(owned);
    Runnable hook = afterPendingRead;
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
    long now = clusterTime();
    long cutoff = all ? Long.MAX_VALUE : now - settings.delayMillis();
    int dueCount = 0;
    while (dueCount < changes.size() && changes.get(dueCount).since() <= cutoff) {
      dueCount++;
    }
    // Round the last batch up with the oldest changes not yet due, so that batches are as large as
    // configured whenever there is that much work; writing those a little early is harmless.
    int batch = settings.batchSize();
    int take = Math.min(changes.size(), (dueCount + batch - 1) / batch * batch);
    // Nothing left is due before the oldest remaining change is; a change that arrives later is due
    // later still. Look again then, or within a second at most (a promoted backup may bring older ones).
    long nextDue = take < changes.size() ? changes.get(take).since() + settings.delayMillis()
        : now + settings.delayMillis();
    nextDueAt = Math.min(nextDue, now + MAX_IDLE_LOOK_MILLIS);
    List<Map.Entry<Object, PendingWrite>> due = resolve(changes.subList(0, take), pendingKeys);
    try {
      for (int from = 0; from < due.size(); from += settings.batchSize()) {
        if (stopping || !writeBatch(due.subList(from, Math.min(due.size(), from + settings.batchSize())))) {
          return false;
        }
      }
      return true;
    } finally {
      removeWritten();
    }
  }

  /** One batch: writes first, then deletes (distinct keys, so their order does not matter). */
  private boolean writeBatch(List<Map.Entry<Object, PendingWrite>> batch) {
    Map<Object, PendingWrite> writes = new LinkedHashMap<>();
    Map<Object, PendingWrite> deletes = new LinkedHashMap<>();
    for (Map.Entry<Object, PendingWrite> e : batch) {
      (e.getValue().isDelete() ? deletes : writes).put(e.getKey(), e.getValue());
    }
    recordBatchSize(batch.size());
    boolean ok = true;
    if (!writes.isEmpty()) {
      ok = apply(writes, false);
    }
    if (ok && !deletes.isEmpty()) {
      ok = apply(deletes, true);
    }
    if (ok) {
      retryDelay = FIRST_RETRY_DELAY_MILLIS;
      nextAttemptAt = 0;
    }
    return ok;
  }

  /** Hands the changes to the writer; removes from the pending map exactly those it took. */
  private boolean apply(Map<Object, PendingWrite> changes, boolean delete) {
    Collection<?> remaining = delete ? new ArrayList<>(changes.keySet()) : entriesOf(changes);
    try {
      if (delete) {
        writer.deleteAll(remaining);
      } else {
        @SuppressWarnings("unchecked")
        Collection<Cache.Entry<? extends K, ? extends V>> entries =
            (Collection<Cache.Entry<? extends K, ? extends V>>) remaining;
        writer.writeAll(entries);
      }
      remaining.clear();
    } catch (RuntimeException e) {
      lastError = String.valueOf(e);
      Set<Object> failed = keysOf(remaining, delete);
      completed(changes, failed, delete);
      if (isRejection(e)) {
        return isolate(changes, failed, delete);
      }
      retries.increment();
      backOff(e);
      return false;
    }
    completed(changes, Set.of(), delete);
    return true;
  }

  /** After a rejection, tries the failed changes one by one; those still rejected become dead letters. */
  private boolean isolate(Map<Object, PendingWrite> changes, Set<Object> failed, boolean delete) {
    for (Object key : failed) {
      PendingWrite change = changes.get(key);
      try {
        if (delete) {
          writer.delete(key);
        } else {
          writer.write(entryOf(key, change));
        }
        completed(Map.of(key, change), Set.of(), delete);
      } catch (RuntimeException e) {
        lastError = String.valueOf(e);
        if (!isRejection(e)) {
          retries.increment();
          backOff(e);
          return false;
        }
        deadLetters.set(key, new DeadLetter(change.value(), String.valueOf(rootCause(e)), clusterTime()));
        writtenThisFlush.put(key, change); // dropped with the others: it is kept as a dead letter now
        deadLettered.increment();
        LOG.warning("Write-behind of cache " + cacheName + ": the system of record rejected the change of key "
            + key + " for good; it is kept as a dead letter: " + rootCause(e));
      }
    }
    return true;
  }

  /** Notes the changes the writer took, for {@link #removeWritten()} when the flush ends. */
  private void completed(Map<Object, PendingWrite> changes, Set<Object> failed, boolean delete) {
    int before = writtenThisFlush.size();
    changes.forEach((key, change) -> {
      if (!failed.contains(key)) {
        writtenThisFlush.put(key, change);
      }
    });
    (delete ? deleted : written).add(writtenThisFlush.size() - before);
  }

  /**
   * Drops what the flush wrote: from the pending map each change only if it is still the change the
   * flusher read (its stamp, see {@link PendingWrite}), and from unwritten records the mark only if the
   * record still has the version written; one call per partition for the whole flush, each carrying only
   * that partition's keys (see {@link dev.tiercache.cluster.PerPartition} for why). If the member dies
   * before, the next owner writes those changes again (upserts make that harmless).
   */
  private void removeWritten() {
    if (writtenThisFlush.isEmpty()) {
      return;
    }
    try {
      Map<Integer, Map<Data, PendingWrite>> pendingByPartition = new HashMap<>();
      Map<Integer, List<RecordChange>> recordsByPartition = new HashMap<>();
      writtenThisFlush.forEach((key, change) -> {
        RecordChange record = fromRecords.get(key);
        if (record == null) {
          Data k = serialization.toData(key);
          pendingByPartition.computeIfAbsent(partitionOf(k), p -> new HashMap<>()).put(k, change);
        } else {
          recordsByPartition.computeIfAbsent(record.partition(), p -> new ArrayList<>()).add(record);
        }
      });
      List<CompletableFuture<?>> calls = new ArrayList<>();
      pendingByPartition.forEach((partition, written) -> calls.add(pending.submitToKeys(
          new HashSet<Object>(written.keySet()), PendingWrite.removeIfUnchanged(written)).toCompletableFuture()));
      recordsByPartition.forEach((partition, written) -> {
        Data[] keys = new Data[written.size()];
        long[] versions = new long[written.size()];
        for (int i = 0; i < keys.length; i++) {
          keys[i] = written.get(i).key();
          versions[i] = written.get(i).version();
        }
        calls.add(MarkWrittenOperation.submit(nodeEngine, records.getName(), partition, keys, versions));
      });
      CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
      recordsByPartition.forEach((partition, written) ->
          written.forEach(record -> unwrittenKeys.remove(partition, record.key(), record.version())));
    } finally {
      writtenThisFlush.clear();
      fromRecords.clear();
    }
  }

  /**
   * The partitions whose changes this member writes now: those it owns, that are not migrating, and
   * whose hand-over it has waited for at their current version ({@link #awaitHandOver}). Forgets the
   * listed keys of partitions it no longer owns, and has those that changed hands since they were listed
   * listed again.
   */
  private List<Integer> ownedPartitions() {
    List<Integer> owned = new ArrayList<>();
    versionsNow.clear();
    for (IPartition partition : nodeEngine.getPartitionService().getPartitions()) {
      int id = partition.getPartitionId();
      int version = partition.version();
      Integer listedAt = listedPartitions.get(id);
      if (!partition.isLocal()) {
        // Forgotten even if never listed: puts may have listed keys while it was here.
        listedPartitions.remove(id);
        unwrittenKeys.forget(id);
        continue;
      }
      if (listedAt != null && listedAt != version) {
        listedPartitions.remove(id);
      }
      if (!partition.isMigrating() && isHandedOver(partition)) {
        owned.add(id);
        versionsNow.put(id, version);
      }
    }
    return owned;
  }

  /**
   * Makes sure no other member is in the middle of writing changes of a partition this member has
   * gained (or that changed hands since this member last looked): the old owner may still be writing
   * a batch it read before the partition moved, and a newer change of the same key written here first
   * would be overwritten by that older one when it commits. Asks every other member to let its flush in
   * progress finish ({@link HandOverFence}); a partition's version (Hazelcast's count of its replica
   * changes) tells this member when to ask again. One request at a time: {@code wait} waits until every
   * partition it owns is handed over (asking again if partitions moved meanwhile), otherwise the flush
   * goes on with the partitions already handed over and a later one takes the answers. Returns whether
   * every owned partition is handed over; {@code false} if a member did not answer in time (its
   * partitions wait for a later flush).
   */
  private boolean awaitHandOver(boolean wait) {
    long deadline = System.currentTimeMillis() + HAND_OVER_TIMEOUT_MILLIS;
    while (true) {
      CompletableFuture<Boolean> answer;
      synchronized (handOverLock) {
        if (!settleHandOver()) {
          return false; // a member did not answer in time; a later flush asks again
        }
        if (handOverAnswer == null) {
          Map<Integer, Integer> changed = new HashMap<>();
          for (IPartition partition : nodeEngine.getPartitionService().getPartitions()) {
            if (partition.isLocal() && !isHandedOver(partition)) {
              changed.put(partition.getPartitionId(), partition.version());
            }
          }
          if (changed.isEmpty()) {
            return true;
          }
          handOverAsked = changed;
          handOverAnswer = HandOverFence.askOtherMembers(hazelcast, records.getName(), HAND_OVER_TIMEOUT_MILLIS);
        }
        answer = handOverAnswer;
      }
      if ((!wait && !answer.isDone()) || System.currentTimeMillis() > deadline) {
        return false;
      }
      // Bounded: members answer or are given up on. Then look again: partitions may have moved meanwhile.
      answer.join();
    }
  }

  /**
   * Takes the answers to the hand-over request, if they are all in: the partitions it covered are
   * handed over if every member answered. Returns {@code false} only if the request just failed.
   */
  private boolean settleHandOver() {
    if (handOverAnswer == null || !handOverAnswer.isDone()) {
      return true;
    }
    boolean ok = handOverAnswer.join();
    if (ok) {
      handedOver.putAll(handOverAsked);
    }
    handOverAsked = null;
    handOverAnswer = null;
    return ok;
  }

  /** Whether this member has made sure, at the partition's current version, that nobody else still writes it. */
  private boolean isHandedOver(IPartition partition) {
    Integer handedOverAt = handedOver.get(partition.getPartitionId());
    return handedOverAt != null && handedOverAt == partition.version();
  }

  /** Waits at most {@code timeoutMillis} until a flush in progress on this member (if any) is over. */
  boolean awaitFlushInProgress(long timeoutMillis) throws InterruptedException {
    if (!flushLock.tryLock(timeoutMillis, TimeUnit.MILLISECONDS)) {
      return false;
    }
    flushLock.unlock();
    return true;
  }

  /**
   * The pending changes of the partitions this member owns, read in one query over those partitions.
   * Uses the member-side map proxy's partition-restricted query; any other proxy falls back to the
   * public (two-step) way.
   */
  private List<Map.Entry<Object, PendingWrite>> readOwnedChanges(List<Integer> owned) {
    if (owned.isEmpty()) {
      return new ArrayList<>();
    }
    if (pending instanceof MapProxyImpl<Object, PendingWrite> proxy) {
      return new ArrayList<>(proxy.entrySet(Predicates.alwaysTrue(), new PartitionIdSet(partitionCount, owned)));
    }
    Set<Object> keys = pending.localKeySet();
    return keys.isEmpty() ? new ArrayList<>() : new ArrayList<>(pending.getAll(keys).entrySet());
  }

  /**
   * Adds to {@code changes} the unwritten records the index lists for the partitions this member owns.
   * Lists first the unwritten records of partitions not listed since they were gained or changed hands
   * (all of them every {@link #RESCAN_MILLIS}).
   */
  private void addListedRecords(List<Integer> owned, List<Candidate> changes) {
    if (owned.isEmpty()) {
      return;
    }
    long now = System.currentTimeMillis();
    if (now >= nextRescanAt) {
      listedPartitions.clear();
      nextRescanAt = now + RESCAN_MILLIS;
    }
    List<Integer> unlisted = new ArrayList<>();
    for (int partition : owned) {
      if (!listedPartitions.containsKey(partition)) {
        unlisted.add(partition);
      }
    }
    if (!unlisted.isEmpty()) {
      listUnwritten(unlisted);
    }
    for (int partition : owned) {
      unwrittenKeys.keys(partition).forEach((key, listed) ->
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
      reads.add(Map.entry(candidates, ReadRecordsOperation.submit(nodeEngine, records.getName(), partition, keys)));
    });
    for (Map.Entry<List<Candidate>, CompletableFuture<ReadRecordsOperation.Records>> read : reads) {
      List<Candidate> candidates = read.getKey();
      ReadRecordsOperation.Records found = read.getValue().join();
      for (int i = 0; i < candidates.size(); i++) {
        Candidate candidate = candidates.get(i);
        Data serialized = found.get(i);
        CacheRecord record = serialized == null ? null : serialization.toObject(serialized);
        if (record == null || !record.isUnwritten()) {
          unwrittenKeys.remove(candidate.partition(), candidate.key(), candidate.listed().version());
          continue;
        }
        Object key = serialization.toObject(candidate.key());
        if (!pendingKeys.contains(key)) {
          fromRecords.put(key, new RecordChange(candidate.key(), candidate.partition(), record.version()));
          due.add(Map.entry(key, PendingWrite.ofUnwrittenRecord(record)));
        }
      }
    }
    return due;
  }

  /**
   * A change waiting to be written: a pending-map change (with its value), or a listed unwritten record
   * (its key as stored, partition and what the index knows; the value is read when it is written).
   */
  private record Candidate(long since, Map.Entry<Object, PendingWrite> pending, Data key, int partition,
      UnwrittenKeys.Listed listed) {}

  /** Lists the unwritten records of {@code partitions} (gained, or due for the periodic look). */
  private void listUnwritten(List<Integer> partitions) {
    if (!(records instanceof MapProxyImpl<Object, CacheRecord> proxy)) {
      return;
    }
    for (Map.Entry<Object, CacheRecord> e
        : proxy.entrySet(new UnwrittenRecords.Unwritten(), new PartitionIdSet(partitionCount, partitions))) {
      Data key = serialization.toData(e.getKey());
      unwrittenKeys.add(partitionOf(key), key, e.getValue().version(), e.getValue().unwrittenSince());
    }
    for (int partition : partitions) {
      listedPartitions.put(partition, versionsNow.get(partition));
    }
  }

  private int partitionOf(Data key) {
    return hazelcast.getPartitionService().getPartition(key).getPartitionId();
  }

  /** A change read from an unwritten record: its key as stored, partition and version. */
  private record RecordChange(Data key, int partition, long version) {}

  private void backOff(RuntimeException e) {
    nextAttemptAt = System.currentTimeMillis() + retryDelay;
    LOG.log(Level.WARNING, "Write-behind of cache " + cacheName + " failed; retrying in " + retryDelay
        + " ms, nothing is dropped: " + e);
    retryDelay = Math.min(settings.maxRetryDelayMillis(), retryDelay * 2);
  }

  /** Whether the writer rejected the data itself, as opposed to being unavailable. */
  static boolean isRejection(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && JdbcCacheStore.isDataError(sql)) {
        return true;
      }
      if (t instanceof ClassCastException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private List<Cache.Entry<? extends K, ? extends V>> entriesOf(Map<Object, PendingWrite> changes) {
    List<Cache.Entry<? extends K, ? extends V>> entries = new ArrayList<>(changes.size());
    for (Map.Entry<Object, PendingWrite> e : changes.entrySet()) {
      entries.add(entryOf(e.getKey(), e.getValue()));
    }
    return entries;
  }

  @SuppressWarnings("unchecked")
  private Cache.Entry<K, V> entryOf(Object key, PendingWrite change) {
    return new Change<>((K) key, (V) serialization.toObject(new HeapData(change.value())));
  }

  private static Set<Object> keysOf(Collection<?> remaining, boolean delete) {
    Set<Object> keys = new HashSet<>();
    for (Object o : remaining) {
      keys.add(delete ? o : ((Cache.Entry<?, ?>) o).getKey());
    }
    return keys;
  }

  private void recordBatchSize(int size) {
    batches.increment();
    long n = batchCount.getAndIncrement();
    recentBatchSizes[(int) (n % RECENT_BATCHES)] = size;
  }

  /** A change handed to the writer. */
  private record Change<K, V>(K getKey, V getValue) implements Cache.Entry<K, V> {
    @Override
    public <T> T unwrap(Class<T> clazz) {
      throw new IllegalArgumentException("A write-behind entry cannot be unwrapped to " + clazz.getName());
    }
  }

  // ------------------------------------------------------------------ dead letters

  /** Keys whose change the system of record rejected for good. */
  @SuppressWarnings("unchecked")
  public Set<K> deadLetterKeys() {
    return (Set<K>) (Set<?>) deadLetters.keySet();
  }

  /** Why the change of {@code key} was rejected, or {@code null} if it is not a dead letter. */
  public String deadLetterError(K key) {
    DeadLetter letter = deadLetters.get(key);
    return letter == null ? null : letter.error();
  }

  /**
   * Puts a dead letter back in line to be written (say, after fixing the data or the schema). A newer
   * change of the key recorded meanwhile wins over it.
   */
  public boolean replay(K key) {
    DeadLetter letter = deadLetters.get(key);
    if (letter == null) {
      return false;
    }
    Data k = serialization.toData(key);
    records.lock(k); // the cache's lock of the key: no put runs in between
    try {
      CacheRecord record = records.get(k);
      if (pending.get(k) == null && (record == null || !record.isUnwritten())) {
        pending.executeOnKey(k, PendingWrite.record(letter.value(), clusterTime()));
      }
      deadLetters.remove(key, letter);
    } finally {
      records.unlock(k);
    }
    return true;
  }

  /** Drops a dead letter for good. */
  public boolean discard(K key) {
    return deadLetters.remove(key) != null;
  }

  // ------------------------------------------------------------------ statistics (MXBean)

  /**
   * Changes waiting cluster-wide, counted exactly: the pending map's entries plus the unwritten records
   * (one query over the cache's map; the backlog bound uses the cheaper {@link #backlog()}).
   */
  @Override
  public long getBacklog() {
    long unwritten = records.aggregate(Aggregators.count(), new UnwrittenRecords.Unwritten());
    return pending.size() + unwritten;
  }

  /** Changes waiting cluster-wide: the pending map's, plus the unwritten records each member reports. */
  private long backlog() {
    long unwritten = 0;
    for (Long count : unwrittenByMember.values()) {
      unwritten += count;
    }
    return pending.size() + unwritten;
  }

  /** Tells the other members how many unwritten records this member lists (owned partitions only). */
  private void publishUnwrittenCount() {
    String self = hazelcast.getCluster().getLocalMember().getUuid().toString();
    long count = unwrittenKeys.size();
    Long published = unwrittenByMember.get(self);
    if (published == null || published != count) {
      unwrittenByMember.put(self, count);
    }
  }

  /**
   * Keeps the cache's map near {@code max-entries} per member, by removing a share of the written
   * records when it holds more (run by the oldest member, at most once a second). Unwritten records
   * are never removed; the backlog bound limits how many there are.
   */
  private void evictIfOverBound() {
    long now = System.currentTimeMillis();
    if (now < nextEvictionCheckAt || !hazelcast.getCluster().getMembers().iterator().next().localMember()) {
      return;
    }
    nextEvictionCheckAt = now + EVICTION_CHECK_MILLIS;
    long limit = (long) maxEntriesPerMember * hazelcast.getCluster().getMembers().size();
    long size = records.size();
    if (size <= limit) {
      return;
    }
    // Down to 90% of the bound, as a share of the written records (the unwritten stay).
    long excess = size - limit * 9 / 10;
    long written = Math.max(1, size - backlog());
    int perMille = (int) Math.min(1000, Math.max(1, (excess * 1000 + written - 1) / written));
    int salt = java.util.concurrent.ThreadLocalRandom.current().nextInt();
    records.executeOnEntries(new UnwrittenRecords.RemoveWritten(perMille, salt));
    evicted.add(size - records.size());
  }

  /** Records removed by {@link #evictIfOverBound()} (approximate: removals by others meanwhile count too). */
  @Override
  public long getEvicted() {
    return evicted.sum();
  }

  @Override
  public long getLagMillis() {
    long since = oldestPendingSince;
    return since == 0 ? 0 : Math.max(0, clusterTime() - since);
  }

  @Override
  public long getWritten() {
    return written.sum();
  }

  @Override
  public long getDeleted() {
    return deleted.sum();
  }

  @Override
  public long getBatches() {
    return batches.sum();
  }

  @Override
  public long getRetries() {
    return retries.sum();
  }

  @Override
  public long getDeadLetters() {
    return deadLetters.size();
  }

  @Override
  public String getLastError() {
    return lastError;
  }

  /** Sizes of the most recent batches (up to 4,096), oldest first. */
  public int[] recentBatchSizes() {
    long n = batchCount.get();
    int count = (int) Math.min(n, RECENT_BATCHES);
    int[] sizes = new int[count];
    for (int i = 0; i < count; i++) {
      sizes[i] = recentBatchSizes[(int) ((n - count + i) % RECENT_BATCHES)];
    }
    return sizes;
  }

  /**
   * Writes now, on the calling thread, every pending change this member owns, due or not (for an
   * orderly hand-over, or a test). Returns whether the writer took all of them; what it did not take
   * stays pending and is retried as usual.
   */
  public boolean flush() {
    return flush(true);
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Writes everything this member owns that is still pending ({@code timeoutMillis} at most), then
   * stops. Changes still pending after that stay in the pending map for the next owner.
   *
   * @return how many changes this member owns that are still pending
   */
  public int flushAndStop(long timeoutMillis) {
    closed = true;
    flusher.shutdownNow();
    long deadline = System.currentTimeMillis() + timeoutMillis;
    try {
      if (hazelcast.getLifecycleService().isRunning()) {
        hazelcast.getCluster().removeMembershipListener(membershipListener);
      }
      // The shutdown hook stays until the end: a member shutting down meanwhile stops this loop too,
      // and waits for the batch in progress before its partitions move.
      while (hazelcast.getLifecycleService().isRunning() && !stopping) {
        if (flush(true) && ownedLeft() == 0) {
          return 0;
        }
        if (System.currentTimeMillis() >= deadline) {
          break;
        }
        Thread.sleep(Math.min(retryDelay, 1_000));
      }
      int left = hazelcast.getLifecycleService().isRunning() ? ownedLeft() : -1;
      LOG.warning("Write-behind of cache " + cacheName + " stopped with " + left + " changes not yet written"
          + " on this member (last writer error: " + lastError + "); they stay in the cluster for the next owner.");
      return left;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } finally {
      UnwrittenKeys.drop(hazelcast.getName(), records.getName());
      if (hazelcast.getLifecycleService().isRunning()) {
        hazelcast.getLifecycleService().removeLifecycleListener(lifecycleListener);
        hazelcast.getUserContext().remove(HandOverFence.contextKey(records.getName()), this);
        unwrittenByMember.remove(hazelcast.getCluster().getLocalMember().getUuid().toString());
      }
    }
  }

  /**
   * Called as the member starts shutting down, before Hazelcast hands its partitions to the others
   * (a graceful shutdown, say on SIGTERM, without the caches being closed first): stops the flusher and
   * waits until a batch in progress has been written and marked, so that the next owners never write a
   * newer change before an older batch of this member commits; at most as long as Hazelcast waits for a
   * graceful shutdown ({@code hazelcast.graceful.shutdown.max.wait}, 600 s by default). What is not
   * written yet stays in the cluster (the records and the pending map move with their partitions).
   */
  private void stopBeforeShutdown() {
    stopping = true;
    flusher.shutdown();
    // As long as Hazelcast itself waits for a graceful shutdown to hand its partitions over.
    long maxWaitSeconds = nodeEngine.getProperties().getSeconds(ClusterProperty.GRACEFUL_SHUTDOWN_MAX_WAIT);
    try {
      if (!awaitFlushInProgress(TimeUnit.SECONDS.toMillis(maxWaitSeconds))) {
        LOG.warning("Write-behind of cache " + cacheName + ": a batch was still being written when the member"
            + " shut down; a newer change of the same keys written by the next owner may be overwritten by it");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Changes of the partitions this member owns still to be written (after a flush). */
  private int ownedLeft() {
    flushLock.lock();
    try {
      ownedPartitions();
      return pending.localKeySet().size() + unwrittenKeys.size();
    } finally {
      flushLock.unlock();
    }
  }

  private long clusterTime() {
    return hazelcast.getCluster().getClusterTime();
  }

  private static Throwable rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }
}
