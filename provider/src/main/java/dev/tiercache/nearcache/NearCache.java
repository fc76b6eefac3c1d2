package dev.tiercache.nearcache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.hazelcast.internal.partition.IPartitionService;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.HeapData;
import com.hazelcast.internal.serialization.impl.SerializationConstants;
import com.hazelcast.map.IMap;
import com.hazelcast.map.impl.MapService;
import com.hazelcast.map.impl.MapServiceContext;
import com.hazelcast.spi.impl.NodeEngine;
import com.hazelcast.spi.impl.eventservice.impl.TrueEventFilter;
import com.hazelcast.spi.impl.AbstractDistributedObject;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.config.NearCacheSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The near cache (L1) of one cache on this member: a bounded Caffeine cache from key to the value last
 * read from L2, with that record's version and expiry. L1 finds an entry exactly when L2 would: a key
 * whose equality agrees with its serialized form (see {@link KeyIdentity}) is held as itself, any other
 * by its serialized form, which is what L2 compares.
 *
 * <p>Invariant: for each key L1 holds nothing, a reservation of a read in flight, or an {@link Entry}
 * made from one L2 record as it was read; nothing is changed in place, only put, replaced or removed,
 * so a reservation or a repair can tell by identity whether what it saw is still there.
 *
 * <p>Coherence comes from four rules, each closing one way an entry could go stale:
 * <ol>
 *   <li><b>Invalidation on every change.</b> Hazelcast's near-cache invalidations
 *       ({@link NearCacheInvalidations}): the owner of a record sends one for every change of it, whoever
 *       made it and however (a put, a removal, an entry processor, an eviction, an expiry), from inside the
 *       operation, and each drops the key here. They are asynchronous: they arrive after the change has
 *       returned to its caller, usually within milliseconds, but Hazelcast bounds neither their delay nor
 *       their delivery. Their order does not matter for L1, as each one only drops the key.
 *   <li><b>Read-your-writes.</b> The cache drops the key here itself once its own change is in L2,
 *       before the operation returns, without waiting for the invalidation.
 *   <li><b>Reservations.</b> A read that misses puts a reservation in L1 before it reads L2 and replaces
 *       it with the value only if the reservation is still there; an invalidation that arrives in
 *       between removes the reservation, so a value read before a change is never cached after it.
 *   <li><b>Repair</b> ({@link NearCacheRepair}). Invalidations can be lost or late (a member joins or
 *       leaves, a connection drops, an event queue overflows). Each carries its number in its partition's
 *       sequence; twice per repair interval ({@link NearCacheSettings#repairIntervalMillis}, 1 s by
 *       default) every member reads the owners' latest numbers, one small call per member, and verifies
 *       against L2 the entries of exactly the partitions where a number was not heard or whose history
 *       changed ({@link PartitionSequences}): it drops every entry whose version differs or whose key is
 *       gone, and every reservation. Versions are never reused for a key (a new entry starts at a random
 *       version), so there is no tolerance: one missed change is found by the second repair after it. If
 *       an owner does not answer, or the verification fails, within the interval, the entries of its
 *       partitions are dropped. Where nothing was lost, the repair reads no entry at all.
 * </ol>
 * So the only bound on staleness on other members is the repair's: with owners that answer promptly a
 * change whose invalidation was lost is dropped within one repair interval, and the tests hold every L1
 * to agree with L2 one repair interval after changes stop (and every member to see a change within
 * two); an owner that is slow to answer stretches this by up to an interval per repair.
 *
 * <p>A hit returns a private copy, as the cache stores by value: see {@link Entry#value()}.
 */
public final class NearCache {

  private final String mapName;
  private final MapServiceContext maps;
  private final IPartitionService partitions;
  private final SerializationService serialization;
  private final Cache<Object, Object> entries;
  private final NearCacheInvalidations invalidations;
  private final UUID listener;
  private final NearCacheRepair repair;
  /** Whether every key of this cache is held as itself (see the constructor). */
  private final boolean keysByValue;

  /**
   * {@code keyType}: the cache's configured key type. When it is a final class held as itself (String,
   * Long...), every key is (the cache checks types), and a hit skips the per-key look at its class.
   */
  public NearCache(String cacheName, IMap<Object, CacheRecord> map, SerializationService serialization,
      NearCacheSettings settings, Class<?> keyType) {
    this.keysByValue = java.lang.reflect.Modifier.isFinal(keyType.getModifiers()) && KeyIdentity.byValue(keyType);
    NodeEngine nodeEngine = ((AbstractDistributedObject<?>) map).getNodeEngine();
    this.mapName = map.getName();
    this.maps = nodeEngine.<MapService>getService(MapService.SERVICE_NAME).getMapServiceContext();
    this.partitions = nodeEngine.getPartitionService();
    this.serialization = serialization;
    // One weight bounds both: an entry weighs its bytes, but never less than the budget's share of one
    // entry of max-entries, so the budget holds at most max-entries entries and at most max-memory bytes.
    long budget = Math.max(1, settings.maxMemory().bytes());
    int least = (int) Math.max(1, Math.min(Integer.MAX_VALUE, budget / settings.maxEntries()));
    Caffeine<Object, Object> builder = Caffeine.newBuilder().maximumWeight(budget)
        .weigher((Object key, Object held) -> Math.max(least, held instanceof Entry entry ? entry.weight()
            : Entry.OVERHEAD_BYTES));
    if (settings.timeToLiveMillis() > 0) {
      builder.expireAfterWrite(settings.timeToLiveMillis(), TimeUnit.MILLISECONDS);
    }
    this.entries = builder.build();
    PartitionSequences sequences = new PartitionSequences(partitions.getPartitionCount());
    this.invalidations = new NearCacheInvalidations(mapName, entries, serialization, partitions, sequences);
    // Registered on every member, which makes Hazelcast send this map's invalidations (and number them).
    this.listener = maps.addEventListener(invalidations, TrueEventFilter.INSTANCE, mapName);
    this.repair = NearCacheRepair.scheduled(cacheName, entries.asMap(), sequences, map, nodeEngine,
        settings.repairIntervalMillis());
  }

  /** The entry held for {@code key}, live or expired, or {@code null}. */
  public Entry get(Object key) {
    Object held = entries.getIfPresent(
        keysByValue || KeyIdentity.byValue(key.getClass()) ? key : serialization.toData(key));
    return held instanceof Entry entry ? entry : null;
  }

  /**
   * Reserves {@code key} before its L2 read; returns the reservation to pass to {@link #publish} or
   * {@link #release}, or {@code null} if another read holds one (this read then caches nothing).
   */
  public Object reserve(Object key, Data k) {
    Reservation reservation = new Reservation(KeyIdentity.of(key, k), partitions.getPartitionId(k));
    return entries.asMap().putIfAbsent(reservation.key, reservation) == null ? reservation : null;
  }

  /**
   * Caches {@code value}, just read from L2 as {@code record}, if the reservation is still in place, that
   * is if no invalidation of the key arrived since {@link #reserve}. {@code value} is the caller's copy;
   * L1 keeps its own.
   */
  public void publish(Object reservation, Data k, CacheRecord record, Object value) {
    Reservation r = (Reservation) reservation;
    entries.asMap().replace(r.key, r, entry(k, r.partition, record, value));
  }

  /** Gives up a reservation that is not published. */
  public void release(Object reservation) {
    if (reservation != null) {
      Reservation r = (Reservation) reservation;
      entries.asMap().remove(r.key, r);
    }
  }

  /** Drops the key of a serialized key (its value or its reservation). */
  public void invalidate(Data k) {
    entries.invalidate(KeyIdentity.of(serialization.toObject(k), k));
  }

  public void invalidateAll() {
    entries.invalidateAll();
  }

  /**
   * Up to {@code limit} keys this near cache holds values of, serialized, the most frequently used first
   * (Caffeine's own estimate), for a member that opens the cache to warm its near cache with.
   */
  public byte[][] hottestKeys(int limit) {
    List<byte[]> keys = new ArrayList<>();
    entries.policy().eviction().ifPresent(eviction -> eviction.hottest(limit).values().forEach(held -> {
      if (held instanceof Entry entry) {
        keys.add(entry.key().toByteArray());
      }
    }));
    return keys.toArray(new byte[0][]);
  }

  /** Entries (values and reservations) held now. */
  public long size() {
    return entries.estimatedSize();
  }

  /** Change announcements (of any member's change, this member's own included) that dropped keys here. */
  public long invalidations() {
    return invalidations.count();
  }

  /**
   * Entries the repair dropped because L2 did not vouch for them: their invalidation was lost, or the
   * check failed. Expired entries it dropped do not count.
   */
  public long repaired() {
    return repair.repaired();
  }

  /**
   * The values held now, as copies, by key; for diagnostics and tests (it copies every value).
   * Expired entries are included: reads never return them.
   */
  public Map<Object, Object> snapshot() {
    Map<Object, Object> copy = new HashMap<>();
    entries.asMap().forEach((key, held) -> {
      if (held instanceof Entry entry) {
        copy.put(key instanceof Data k ? serialization.toObject(k) : key, entry.value());
      }
    });
    return copy;
  }

  /** Stops listening and repairing, and drops everything; the cache is closing on this member. */
  public void close() {
    invalidations.close();
    repair.close();
    try {
      maps.removeEventListener(mapName, listener);
    } catch (RuntimeException e) {
      // the member is stopping or the map was destroyed: the listener is gone with it
    }
    entries.invalidateAll();
  }

  /** Runs one repair now; returns how many entries it dropped. */
  public int repairNow() {
    return repair.repairNow();
  }

  /** Entries the repair has verified against L2 so far: none where no invalidation was lost. */
  public long repairVerified() {
    return repair.verified();
  }

  private Entry entry(Data k, int partition, CacheRecord record, Object value) {
    Class<?> type = value.getClass();
    if (Immutables.isImmutable(type)) {
      return new Entry(k, partition, record, Entry.SHARED, value, null, serialization);
    }
    byte[] bytes = record.value();
    if (new HeapData(bytes).getType() == SerializationConstants.JAVA_DEFAULT_TYPE_SERIALIZABLE
        && FieldCopier.mayCopy(type)) {
      Object template = FieldCopier.copy(value);
      if (template != FieldCopier.UNSUPPORTED) {
        return new Entry(k, partition, record, Entry.COPIED, template, bytes, serialization);
      }
    }
    return new Entry(k, partition, record, Entry.DESERIALIZED, null, bytes, serialization);
  }

  /** Test hook: drop this share (0 to 1) of the cluster's invalidation messages in this JVM. */
  static void dropInvalidations(double share) {
    NearCacheInvalidations.drop(share);
  }

  /** Cluster invalidation messages dropped by {@link #dropInvalidations}. */
  long droppedInvalidations() {
    return invalidations.dropped();
  }

  /** A value held in L1: what L2 held when it was read, and how a hit makes its private copy. */
  public static final class Entry {
    /** What an entry (or a reservation) weighs beside its bytes: the objects that hold it in Caffeine. */
    static final int OVERHEAD_BYTES = 128;
    static final int SHARED = 0;
    static final int COPIED = 1;
    static final int DESERIALIZED = 2;

    private final Data key;
    private final int partition;
    private final long version;
    private final long expiresAt;
    private final long refreshAt;
    private final int size;
    private final int mode;
    private final Object held;
    private final byte[] serialized;
    private final SerializationService serialization;

    Entry(Data key, int partition, CacheRecord record, int mode, Object held, byte[] serialized,
        SerializationService serialization) {
      this.key = key;
      this.partition = partition;
      this.version = record.version();
      this.expiresAt = record.expiresAt();
      this.refreshAt = record.refreshAt();
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

    /** The partition of the key, whose sequence tells the repair whether to verify this entry. */
    int partition() {
      return partition;
    }

    /** The version of the L2 record this value was read from. */
    public long version() {
      return version;
    }

    /** Absolute expiry time (epoch ms) of the L2 record this value was read from. */
    public long expiresAt() {
      return expiresAt;
    }

    /** When a read of this value should start a background reload (see {@link CacheRecord#refreshAt()}). */
    public long refreshAt() {
      return refreshAt;
    }

    /** Size in bytes of the serialized value, which the repair weighs to choose how to read L2. */
    int size() {
      return size;
    }

    /**
     * What this entry weighs in the near cache's memory bound: its serialized key and value (twice the
     * value when a copied template is kept beside its bytes) and a fixed overhead for the entry itself.
     */
    int weight() {
      long bytes = (long) key.totalSize() + (mode == COPIED ? 2L * size : size) + OVERHEAD_BYTES;
      return (int) Math.min(Integer.MAX_VALUE, bytes);
    }
  }

  /** Marks a key whose L2 read is in flight; an invalidation, or a repair of its partition, removes it. */
  static final class Reservation {
    final Object key;
    final int partition;

    Reservation(Object key, int partition) {
      this.key = key;
      this.partition = partition;
    }
  }
}
