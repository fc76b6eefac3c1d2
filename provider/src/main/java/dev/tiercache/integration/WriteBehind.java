package dev.tiercache.integration;

import com.hazelcast.cluster.MembershipAdapter;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.HeapData;
import com.hazelcast.map.IMap;
import com.hazelcast.spi.impl.AbstractDistributedObject;
import com.hazelcast.replicatedmap.ReplicatedMap;
import com.hazelcast.spi.impl.NodeEngine;
import dev.tiercache.cluster.CacheNames;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.cluster.DeadLetter;
import dev.tiercache.cluster.PendingWrite;
import dev.tiercache.cluster.UnwrittenKeys;
import dev.tiercache.cluster.UnwrittenRecords;
import dev.tiercache.cluster.WriteBehindPutProcessor;
import dev.tiercache.config.WriteBehindSettings;
import dev.tiercache.management.WriteBehindMXBean;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongConsumer;
import java.util.logging.Logger;
import javax.cache.integration.CacheWriter;

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
 * written records once a second ({@link UnwrittenRecords.RemoveWritten}), and tells {@code onEvicted}
 * how many went, so the cache's eviction count is the cluster's, kept on that member.
 *
 * <p><b>Parts.</b> This class records changes and wires the parts that write them (package-private):
 * {@code Flusher}, the flush loop, with {@code OwnedPartitions} for what this member writes;
 * {@code BatchWriter}, the writer's batches, retries and dead letters; {@code PartitionHandOver}, the
 * wait for a moved partition's old owner; {@code Backlog}, the two bounds. {@code CacheContext} holds
 * the maps and the member they share.
 */
public final class WriteBehind<K, V> implements WriteBehindMXBean {

  private static final Logger LOG = Logger.getLogger(WriteBehind.class.getName());
  /** How often every member lists all unwritten records of the partitions it owns (see class comment). */
  static final long RESCAN_MILLIS = 30_000;

  /** Test hook: runs in a flush between reading the pending map and reading the unwritten records. */
  static volatile Runnable afterPendingRead;

  /** About what a record costs Hazelcast beside its key and value, for a change not yet measured. */
  private static final int RECORD_OVERHEAD_BYTES = 100;

  private final CacheContext cache;
  private final IMap<Object, DeadLetter> deadLetters;
  private final BatchWriter<K, V> batchWriter;
  private final Backlog backlog;
  private final Flusher flusher;
  private final UUID membershipListener;
  private final UUID lifecycleListener;

  public WriteBehind(String cacheName, HazelcastInstance hazelcast, SerializationService serialization,
      String mapName, CacheWriter<K, V> writer, WriteBehindSettings settings, int maxEntriesPerMember,
      long maxBytesPerMember, LongConsumer onEvicted) {
    IMap<Object, PendingWrite> pending = hazelcast.getMap(CacheNames.pendingName(mapName));
    this.deadLetters = hazelcast.getMap(CacheNames.deadLettersName(mapName));
    IMap<Object, CacheRecord> records = hazelcast.getMap(mapName);
    UnwrittenKeys unwrittenKeys = UnwrittenKeys.of(hazelcast.getName(), mapName);
    ReplicatedMap<String, Long> unwrittenByMember =
        hazelcast.getReplicatedMap(CacheNames.unwrittenCountsName(mapName));
    ReplicatedMap<String, Long> heldByMember = hazelcast.getReplicatedMap(CacheNames.heldBytesName(mapName));
    int partitionCount = hazelcast.getPartitionService().getPartitions().size();
    NodeEngine nodeEngine = ((AbstractDistributedObject<?>) records).getNodeEngine();
    this.cache = new CacheContext(cacheName, hazelcast, serialization, settings, pending, records, unwrittenKeys,
        partitionCount, nodeEngine);
    this.batchWriter = new BatchWriter<>(cacheName, writer, value -> serialization.toObject(new HeapData(value)),
        (key, value, error) -> deadLetters.set(key, new DeadLetter(value, error, cache.clusterTime())), settings,
        System::currentTimeMillis);
    this.backlog = new Backlog(cache, unwrittenByMember, heldByMember, maxEntriesPerMember, maxBytesPerMember,
        batchWriter::lastError, onEvicted);
    this.flusher = new Flusher(cache, batchWriter, new PartitionHandOver(hazelcast, nodeEngine, mapName), backlog);
    hazelcast.getUserContext().put(HandOverFence.contextKey(mapName), this);
    flusher.start();
    this.lifecycleListener = hazelcast.getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == LifecycleEvent.LifecycleState.SHUTTING_DOWN) {
        flusher.stopBeforeShutdown();
      }
    });
    this.membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipAdapter() {
      @Override
      public void memberRemoved(MembershipEvent event) {
        backlog.forget(event.getMember().getUuid());
      }
    });
  }

  /** The name of the map that holds this cache's pending changes. */
  public String pendingMapName() {
    return cache.pending().getName();
  }

  public WriteBehindSettings settings() {
    return cache.settings();
  }

  // ------------------------------------------------------------------ recording (caller holds the key's lock)

  /** Records that {@code key} is to be written with {@code value} (serialized). */
  public void recordWrite(Data key, byte[] value) {
    long room = awaitRoom(key, value);
    try {
      cache.pending().executeOnKey(key, PendingWrite.record(value, cache.clusterTime()));
    } finally {
      landed(room);
    }
  }

  /** Records that {@code key} is to be deleted. */
  public void recordDelete(Data key) {
    awaitRoom(key, null);
    cache.pending().executeOnKey(key, PendingWrite.record(null, cache.clusterTime()));
  }

  /**
   * Moves the change an unwritten record holds into the pending map, unless the pending map already has
   * a (newer) change of the key; for a caller about to remove the record, holding the key's lock. Needs
   * no room: the change is in the backlog already.
   */
  public void handOver(Data key, CacheRecord record) {
    if (cache.pending().get(key) == null) {
      cache.pending().executeOnKey(key, PendingWrite.record(record.value(), record.unwrittenSince()));
    }
  }

  /**
   * The change of {@code key} in the pending map, or {@code null}. Read-through must not load over it
   * (an unwritten record needs no such care: it is there, so nothing loads).
   */
  public PendingWrite pendingFor(Data key) {
    return cache.pending().get(key);
  }

  /**
   * Waits while the backlog or the map is full (or refuses, as configured), before a change of
   * {@code key} to {@code value} (serialized; {@code null} for a delete) is made. Called by the recording
   * methods, and by the cache before a one-operation put. Returns the room taken, to hand to
   * {@link #landed} once the change is in the map (or failed).
   */
  public long awaitRoom(Data key, byte[] value) {
    long bytes = value == null ? 0 : key.totalSize() + value.length + RECORD_OVERHEAD_BYTES;
    backlog.awaitRoom(bytes);
    return bytes;
  }

  /** The change that took {@code room} from {@link #awaitRoom} is in the map now, or failed. */
  public void landed(long room) {
    backlog.landed(room);
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
    Data k = cache.serialization().toData(key);
    cache.records().lock(k); // the cache's lock of the key: no put runs in between
    try {
      CacheRecord record = cache.records().get(k);
      if (cache.pending().get(k) == null && (record == null || !record.isUnwritten())) {
        cache.pending().executeOnKey(k, PendingWrite.record(letter.value(), cache.clusterTime()));
      }
      deadLetters.remove(key, letter);
    } finally {
      cache.records().unlock(k);
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
   * (one query over the cache's map; the backlog bound uses a cheaper count the members publish).
   */
  @Override
  public long getBacklog() {
    return backlog.exact();
  }

  /** Records removed to keep the cache's map near its bound (approximate: removals by others meanwhile count too). */
  @Override
  public long getEvicted() {
    return backlog.evicted();
  }

  @Override
  public long getLagMillis() {
    long since = flusher.oldestPendingSince();
    return since == 0 ? 0 : Math.max(0, cache.clusterTime() - since);
  }

  @Override
  public long getWritten() {
    return batchWriter.written();
  }

  @Override
  public long getDeleted() {
    return batchWriter.deleted();
  }

  @Override
  public long getBatches() {
    return batchWriter.batches();
  }

  @Override
  public long getRetries() {
    return batchWriter.retries();
  }

  @Override
  public long getDeadLetters() {
    return deadLetters.size();
  }

  @Override
  public String getLastError() {
    return batchWriter.lastError();
  }

  /** Sizes of the most recent batches (up to 4,096), oldest first. */
  public int[] recentBatchSizes() {
    return batchWriter.recentBatchSizes();
  }

  /**
   * Writes now, on the calling thread, every pending change this member owns, due or not (for an
   * orderly hand-over, or a test). Returns whether the writer took all of them; what it did not take
   * stays pending and is retried as usual.
   */
  public boolean flush() {
    return flusher.flush(true);
  }

  /** Waits at most {@code timeoutMillis} until a flush in progress on this member (if any) is over. */
  boolean awaitFlushInProgress(long timeoutMillis) throws InterruptedException {
    return flusher.awaitFlushInProgress(timeoutMillis);
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Writes everything this member owns that is still pending ({@code timeoutMillis} at most), then
   * stops. Changes still pending after that stay in the pending map for the next owner.
   *
   * @return how many changes this member owns that are still pending
   */
  public int flushAndStop(long timeoutMillis) {
    HazelcastInstance hazelcast = cache.hazelcast();
    flusher.close();
    long deadline = System.currentTimeMillis() + timeoutMillis;
    try {
      if (hazelcast.getLifecycleService().isRunning()) {
        hazelcast.getCluster().removeMembershipListener(membershipListener);
      }
      // The shutdown hook stays until the end: a member shutting down meanwhile stops this loop too,
      // and waits for the batch in progress before its partitions move.
      while (hazelcast.getLifecycleService().isRunning() && !flusher.isStopping()) {
        if (flusher.flush(true) && flusher.ownedLeft() == 0) {
          return 0;
        }
        if (System.currentTimeMillis() >= deadline) {
          break;
        }
        Thread.sleep(Math.min(batchWriter.retryDelay(), 1_000));
      }
      int left = hazelcast.getLifecycleService().isRunning() ? flusher.ownedLeft() : -1;
      LOG.warning("Write-behind of cache " + cache.cacheName() + " stopped with " + left
          + " changes not yet written on this member (last writer error: " + batchWriter.lastError()
          + "); they stay in the cluster for the next owner.");
      return left;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } finally {
      UnwrittenKeys.drop(hazelcast.getName(), cache.records().getName());
      if (hazelcast.getLifecycleService().isRunning()) {
        hazelcast.getLifecycleService().removeLifecycleListener(lifecycleListener);
        hazelcast.getUserContext().remove(HandOverFence.contextKey(cache.records().getName()), this);
        backlog.forget(hazelcast.getCluster().getLocalMember().getUuid());
      }
    }
  }
}
