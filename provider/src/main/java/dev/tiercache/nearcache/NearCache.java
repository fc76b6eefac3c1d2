package dev.tiercache.nearcache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.HeapData;
import com.hazelcast.internal.serialization.impl.SerializationConstants;
import com.hazelcast.map.IMap;
import com.hazelcast.map.MapEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.map.listener.MapClearedListener;
import com.hazelcast.map.listener.MapEvictedListener;
import com.hazelcast.partition.PartitionService;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.cluster.PerPartition;
import dev.tiercache.cluster.VersionProbe;
import dev.tiercache.config.NearCacheSettings;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The near cache (L1) of one cache on this member: a bounded Caffeine cache from key to the value last
 * read from L2, with that record's version and expiry.
 *
 * <p>Coherence comes from four rules, each closing one way an entry could go stale:
 * <ol>
 *   <li><b>Invalidation on every change.</b> A Hazelcast entry listener (without values) hears every
 *       change of the map from its owner, whoever made it, and drops the key here. Events of one key
 *       arrive in order, a few milliseconds after the change.
 *   <li><b>Read-your-writes.</b> The cache drops the key here itself once its own change is in L2,
 *       before the operation returns, without waiting for the event.
 *   <li><b>Reservations.</b> A read that misses puts a reservation in L1 before it reads L2 and replaces
 *       it with the value only if the reservation is still there; an invalidation that arrives in
 *       between removes the reservation, so a value read before a change is never cached after it.
 *   <li><b>Repair.</b> Events can be lost (a member joins or leaves, a partition migrates, an event
 *       queue overflows). Twice per repair interval every member sends the keys it holds to their
 *       owners, which answer with the versions they hold (one read-only operation per partition), and
 *       drops every entry whose version differs or whose key is gone. Versions are never reused for
 *       a key (a new entry starts at a random version), so there is no tolerance: one missed change
 *       is found at the next repair. If the check fails or does not answer within the interval, the
 *       entries it covered are dropped.
 * </ol>
 * So after changes stop, every L1 agrees with L2 within one repair interval, however many
 * messages were lost.
 *
 * <p>A hit returns a private copy, as the cache stores by value: see {@link Entry#value()}.
 */
public final class NearCache {

  private static final Logger LOG = Logger.getLogger(NearCache.class.getName());

  /** One daemon thread runs the repairs of every near cache in this JVM. */
  private static final ScheduledExecutorService REPAIRS = repairThread();

  /** Runs the repair's bulk reads, which cannot be bounded in time otherwise (see {@link #currentVersions}). */
  private static final ExecutorService REPAIR_READS = Executors.newCachedThreadPool(runnable -> {
    Thread thread = new Thread(runnable, "tiercache-near-cache-repair-read");
    thread.setDaemon(true);
    return thread;
  });

  /** Average serialized value size up to which the repair reads whole records rather than versions. */
  private static final long SMALL_VALUE_BYTES = 512;

  /** Test hook: the share of cluster invalidation messages to drop, to prove the repair. */
  private static volatile double dropShare;

  private final String cacheName;
  private final IMap<Object, CacheRecord> map;
  private final PartitionService partitions;
  private final SerializationService serialization;
  private final Cache<Object, Object> entries;
  private final UUID listener;
  private final long repairIntervalMillis;
  private final ScheduledFuture<?> repair;
  private final LongAdder invalidations = new LongAdder();
  private final LongAdder repaired = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private volatile CompletableFuture<Map<Object, Long>> bulkRead;
  private volatile boolean closed;

  public NearCache(String cacheName, IMap<Object, CacheRecord> map, PartitionService partitions,
      SerializationService serialization, NearCacheSettings settings) {
    this.cacheName = cacheName;
    this.map = map;
    this.partitions = partitions;
    this.serialization = serialization;
    Caffeine<Object, Object> builder = Caffeine.newBuilder().maximumSize(settings.maxEntries());
    if (settings.timeToLiveMillis() > 0) {
      builder.expireAfterWrite(settings.timeToLiveMillis(), TimeUnit.MILLISECONDS);
    }
    this.entries = builder.build();
    this.listener = map.addEntryListener(new Invalidations(), false);
    this.repairIntervalMillis = settings.repairIntervalMillis();
    long period = Math.max(10, settings.repairIntervalMillis() / 2);
    this.repair = REPAIRS.scheduleWithFixedDelay(this::repairQuietly, period, period, TimeUnit.MILLISECONDS);
  }

  /** The entry held for {@code key}, live or expired, or {@code null}. */
  public Entry get(Object key) {
    Object held = entries.getIfPresent(key);
    return held instanceof Entry entry ? entry : null;
  }

  /**
   * Reserves {@code key} before its L2 read; returns the reservation to pass to {@link #publish} or
   * {@link #release}, or {@code null} if another read holds one (this read then caches nothing).
   */
  public Object reserve(Object key, Data k) {
    Object own = Immutables.isImmutable(key.getClass()) ? key : serialization.toObject(k);
    Reservation reservation = new Reservation(own);
    return entries.asMap().putIfAbsent(own, reservation) == null ? reservation : null;
  }

  /**
   * Caches {@code value}, just read from L2 as {@code record}, if the reservation is still in place, that
   * is if no invalidation of the key arrived since {@link #reserve}. {@code value} is the caller's copy;
   * L1 keeps its own.
   */
  public void publish(Object reservation, Data k, CacheRecord record, Object value) {
    Reservation r = (Reservation) reservation;
    entries.asMap().replace(r.key, r, entry(k, record, value));
  }

  /** Gives up a reservation that is not published. */
  public void release(Object reservation) {
    if (reservation != null) {
      Reservation r = (Reservation) reservation;
      entries.asMap().remove(r.key, r);
    }
  }

  /** Drops {@code key} (its value or its reservation). */
  public void invalidate(Object key) {
    entries.invalidate(key);
  }

  /** Drops the key of a serialized key. */
  public void invalidate(Data k) {
    entries.invalidate(serialization.toObject(k));
  }

  public void invalidateAll() {
    entries.invalidateAll();
  }

  /** Entries (values and reservations) held now. */
  public long size() {
    return entries.estimatedSize();
  }

  /** Keys dropped because another member's change was announced. */
  public long invalidations() {
    return invalidations.sum();
  }

  /** Entries the repair found stale (their invalidation was lost) and dropped. */
  public long repaired() {
    return repaired.sum();
  }

  /**
   * The values held now, as copies, by key; for diagnostics and tests (it copies every value).
   * Expired entries are included: reads never return them.
   */
  public Map<Object, Object> snapshot() {
    Map<Object, Object> copy = new HashMap<>();
    entries.asMap().forEach((key, held) -> {
      if (held instanceof Entry entry) {
        copy.put(key, entry.value());
      }
    });
    return copy;
  }

  /** Stops listening and repairing, and drops everything; the cache is closing on this member. */
  public void close() {
    closed = true;
    repair.cancel(false);
    try {
      map.removeEntryListener(listener);
    } catch (RuntimeException e) {
      // the member is stopping or the map was destroyed: the listener is gone with it
    }
    entries.invalidateAll();
  }

  /** Runs one repair now; returns how many entries it dropped. */
  public int repairNow() {
    if (closed) {
      return 0;
    }
    Map<Object, Entry> held = new HashMap<>();
    Set<Object> keys = new HashSet<>();
    long now = System.currentTimeMillis();
    Map<Object, Entry> expired = new HashMap<>();
    long[] valueBytes = {0};
    entries.asMap().forEach((key, value) -> {
      if (value instanceof Entry entry) {
        if (entry.expiresAt <= now) {
          expired.put(key, entry);
        } else {
          held.put(key, entry);
          keys.add(entry.key);
          valueBytes[0] += entry.size;
        }
      }
    });
    int dropped = 0;
    for (Map.Entry<Object, Entry> e : expired.entrySet()) {
      if (entries.asMap().remove(e.getKey(), e.getValue())) {
        dropped++;
      }
    }
    if (keys.isEmpty()) {
      return dropped;
    }
    Map<Object, Long> versions;
    try {
      // Bounded by the repair interval: an owner that does not answer in time cannot vouch for its keys.
      versions = currentVersions(keys, valueBytes[0] / keys.size() <= SMALL_VALUE_BYTES)
          .get(repairIntervalMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      versions = Map.of();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      if (!closed) {
        LOG.log(Level.FINE, "Near cache repair of " + cacheName + " failed; dropping the entries it covered", e);
      }
      versions = Map.of();
    }
    for (Map.Entry<Object, Entry> e : held.entrySet()) {
      Long version = versions.get(e.getKey());
      if ((version == null || version != e.getValue().version) && entries.asMap().remove(e.getKey(), e.getValue())) {
        dropped++;
        repaired.increment();
      }
    }
    return dropped;
  }

  /**
   * The versions L2 holds for {@code keys}. Small values are read whole with {@code getAll}, which costs
   * a third of the CPU of an entry processor per key (it needs no deserialization on the owner); large
   * values are not worth shipping, so a read-only entry processor answers with the versions alone. A
   * {@code getAll} cannot be bounded in time, so it runs on its own thread, one at a time per cache.
   */
  private CompletableFuture<Map<Object, Long>> currentVersions(Set<Object> keys, boolean smallValues) {
    if (!smallValues) {
      return PerPartition.submitToKeys(map, partitions, keys, new VersionProbe());
    }
    CompletableFuture<Map<Object, Long>> previous = bulkRead;
    if (previous != null && !previous.isDone()) {
      return CompletableFuture.failedFuture(new TimeoutException("the previous repair read has not returned"));
    }
    CompletableFuture<Map<Object, Long>> read = CompletableFuture.supplyAsync(() -> {
      Map<Object, Long> versions = new HashMap<>();
      map.getAll(keys).forEach((key, record) -> versions.put(key, record.version()));
      return versions;
    }, REPAIR_READS);
    bulkRead = read;
    return read;
  }

  private void repairQuietly() {
    try {
      repairNow();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Near cache repair of " + cacheName + " failed", e);
    }
  }

  private Entry entry(Data k, CacheRecord record, Object value) {
    Class<?> type = value.getClass();
    if (Immutables.isImmutable(type)) {
      return new Entry(k, record, Entry.SHARED, value, null, serialization);
    }
    byte[] bytes = record.value();
    if (new HeapData(bytes).getType() == SerializationConstants.JAVA_DEFAULT_TYPE_SERIALIZABLE
        && FieldCopier.mayCopy(type)) {
      Object template = FieldCopier.copy(value);
      if (template != FieldCopier.UNSUPPORTED) {
        return new Entry(k, record, Entry.COPIED, template, bytes, serialization);
      }
    }
    return new Entry(k, record, Entry.DESERIALIZED, null, bytes, serialization);
  }

  /** Test hook: drop this share (0 to 1) of the cluster's invalidation messages in this JVM. */
  static void dropInvalidations(double share) {
    dropShare = share;
  }

  /** Cluster invalidation messages dropped by {@link #dropInvalidations}. */
  long droppedInvalidations() {
    return dropped.sum();
  }

  private boolean dropped() {
    double share = dropShare;
    if (share > 0 && ThreadLocalRandom.current().nextDouble() < share) {
      dropped.increment();
      return true;
    }
    return false;
  }

  private static ScheduledExecutorService repairThread() {
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread thread = new Thread(runnable, "tiercache-near-cache-repair");
      thread.setDaemon(true);
      return thread;
    });
    executor.setRemoveOnCancelPolicy(true);
    return executor;
  }

  /** A value held in L1: what L2 held when it was read, and how a hit makes its private copy. */
  public static final class Entry {
    static final int SHARED = 0;
    static final int COPIED = 1;
    static final int DESERIALIZED = 2;

    private final Data key;
    private final long version;
    private final long expiresAt;
    private final int size;
    private final int mode;
    private final Object held;
    private final byte[] serialized;
    private final SerializationService serialization;

    Entry(Data key, CacheRecord record, int mode, Object held, byte[] serialized, SerializationService serialization) {
      this.key = key;
      this.version = record.version();
      this.expiresAt = record.expiresAt();
      this.size = record.value().length;
      this.mode = mode;
      this.held = held;
      this.serialized = serialized;
      this.serialization = serialization;
    }

    /**
     * The value for the caller: the instance itself when its type is immutable, else a private copy
     * (field by field where that gives what deserialization would, else deserialized).
     */
    public Object value() {
      if (mode == SHARED) {
        return held;
      }
      if (mode == COPIED) {
        Object copy = FieldCopier.copy(held);
        if (copy != FieldCopier.UNSUPPORTED) {
          return copy;
        }
      }
      return serialization.toObject(new HeapData(serialized));
    }

    /** The serialized key, as L2 knows it. */
    public Data key() {
      return key;
    }

    /** The version of the L2 record this value was read from. */
    public long version() {
      return version;
    }

    /** Absolute expiry time (epoch ms) of the L2 record this value was read from. */
    public long expiresAt() {
      return expiresAt;
    }
  }

  /** Marks a key whose L2 read is in flight; an invalidation removes it. */
  private static final class Reservation {
    final Object key;

    Reservation(Object key) {
      this.key = key;
    }
  }

  /** Hears every change of the map, from whichever member made it, and drops the key here. */
  private final class Invalidations implements EntryAddedListener<Object, Object>,
      EntryUpdatedListener<Object, Object>, EntryRemovedListener<Object, Object>,
      EntryEvictedListener<Object, Object>, EntryExpiredListener<Object, Object>,
      EntryMergedListener<Object, Object>, MapClearedListener, MapEvictedListener {

    private void changed(EntryEvent<Object, Object> event) {
      if (closed || dropped()) {
        return;
      }
      entries.invalidate(event.getKey());
      invalidations.increment();
    }

    private void changedAll() {
      if (closed || dropped()) {
        return;
      }
      entries.invalidateAll();
      invalidations.increment();
    }

    @Override
    public void entryAdded(EntryEvent<Object, Object> event) {
      changed(event);
    }

    @Override
    public void entryUpdated(EntryEvent<Object, Object> event) {
      changed(event);
    }

    @Override
    public void entryRemoved(EntryEvent<Object, Object> event) {
      changed(event);
    }

    @Override
    public void entryEvicted(EntryEvent<Object, Object> event) {
      changed(event);
    }

    @Override
    public void entryExpired(EntryEvent<Object, Object> event) {
      changed(event);
    }

    @Override
    public void entryMerged(EntryEvent<Object, Object> event) {
      changed(event);
    }

    @Override
    public void mapCleared(MapEvent event) {
      changedAll();
    }

    @Override
    public void mapEvicted(MapEvent event) {
      changedAll();
    }
  }
}
