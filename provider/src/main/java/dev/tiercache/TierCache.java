package dev.tiercache;

import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.map.IMap;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.cluster.CacheProbe;
import dev.tiercache.config.NearCacheSettings;
import dev.tiercache.config.WriteBehindSettings;
import dev.tiercache.event.EventDispatcher;
import dev.tiercache.expiry.Expiry;
import dev.tiercache.integration.KeyLister;
import dev.tiercache.integration.WriteBehind;
import dev.tiercache.management.CacheStatistics;
import dev.tiercache.management.StatisticsSnapshot;
import dev.tiercache.management.WarmUpProgress;
import dev.tiercache.nearcache.NearCache;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.Factory;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CompletionListener;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.EntryProcessorResult;

import static dev.tiercache.management.CacheStatistics.GET;
import static dev.tiercache.management.CacheStatistics.PUT;
import static dev.tiercache.management.CacheStatistics.REMOVE;

/**
 * A Tiercache cache: a JCache {@link Cache} whose entries live in a Hazelcast map (L2) shared by every
 * member of the cluster, with a near cache (L1) on this member in front of it and the loader and writer
 * of the system of record (L3) behind it.
 *
 * <p><b>This class is the facade.</b> Each operation checks that the cache is open, validates its
 * arguments (nulls and types of every key and value of a batch, before any side effect), serializes
 * them once, delegates, and records its time. The paths live in package-private collaborators built
 * here, each named for what it does:
 * <ul>
 *   <li>{@link Reads}: the near cache, then L2, without a lock;</li>
 *   <li>{@link ReadThrough}: loading a miss once cluster-wide, {@code getAll}'s misses, {@code loadAll};</li>
 *   <li>{@link Writes}: put, remove and replace of one key, and the routes that skip the lock;</li>
 *   <li>{@link BatchWrites}: {@code putAll}, {@code removeAll}, {@code clear};</li>
 *   <li>{@link EntryProcessing}: {@code invoke};</li>
 *   <li>{@link ChangeWriter}: where a change goes besides L2 (nowhere, the writer, write-behind);</li>
 *   <li>{@link L2Records}: the records under each key's cluster-wide lock, events and expiry;</li>
 *   <li>{@link L2Evictions}: counts what Hazelcast evicts to hold L2's bound;</li>
 *   <li>{@link PartitionLoss}: counts and logs the partitions of L2 lost with more members than backups;</li>
 *   <li>{@link KeyValueCodec}: the checks and serialized forms of keys and values (store by value).</li>
 * </ul>
 *
 * <p><b>Where operations run.</b> An operation that may change an entry runs on the calling member under
 * the entry's cluster-wide Hazelcast lock, so user code (loader, writer, expiry policy, entry processor)
 * runs here, exactly once, and a read-through load is single flight cluster-wide; plain reads take no
 * lock, and a put or remove that needs no user code here is one step on the key's owner.
 */
public final class TierCache<K, V> implements Cache<K, V> {

  private static final Logger LOG = Logger.getLogger(TierCache.class.getName());

  /** How long closing a write-behind cache keeps trying to write what this member still owns. */
  private static final long WRITE_BEHIND_CLOSE_FLUSH_MILLIS = 30_000;
  /** How long closing waits for a warm-up to stop (it stops at its next batch). */
  private static final long WARM_UP_STOP_WAIT_MILLIS = 10_000;
  /** How long {@link #clusterStatistics()} waits for the members' answers. */
  static final long CLUSTER_STATISTICS_TIMEOUT_MILLIS = 5_000;

  private final TierCacheManager manager;
  private final String name;
  private final TierCacheConfiguration<K, V> configuration;
  private final HazelcastInstance hazelcast;
  private final IMap<Object, CacheRecord> map;
  private final CacheLoader<K, V> loader;
  private final CacheWriter<K, V> writer;
  private final WriteBehind<K, V> writeBehind;
  private final Expiry expiry;
  private final EventDispatcher<K, V> events;
  /** The cache's listeners on the other members, and theirs for this member's listeners. */
  private final ClusterEvents<K, V> clusterEvents;
  private final CacheStatistics statistics;
  private final NearCache nearCache;
  private final KeyValueCodec<K, V> codec;
  private final L2Records<K, V> records;
  private final Reads<K, V> reads;
  /** Loads: through the loader if there is one ({@code loadAll} needs no read-through), or a caller's function. */
  private final ReadThrough<K, V> readThrough;
  /** {@link #getAsync(Object, Function)}'s loads. */
  private final AsyncReadThrough<K, V> asyncReadThrough;
  /** Whether a miss loads: a loader and read-through on. */
  private final boolean readsThrough;
  /** What a miss of {@code get} loads from: the loader with read-through on, else {@code null}. */
  private final Function<K, V> readThroughSource;
  /** The warm-up of this cache from this member; {@code null} unless it has one. */
  private final WarmUp<K> warmUp;
  /** Background reloads; {@code null} unless the cache refreshes. */
  private final Refresher<K, V> refresher;
  private final Writes<K, V> writes;
  private final BatchWrites<K, V> batchWrites;
  private final EntryProcessing<K, V> entryProcessing;
  private final VersionedWrites<K, V> versionedWrites;
  private final CacheMBeans mbeans;
  /** What this member tells the others about the cache: its counters, its near cache's hot keys. */
  private final CacheProbe.Answers probeAnswers;
  /** Counts Hazelcast's evictions of this member's entries; {@code null} where Hazelcast never evicts. */
  private final L2Evictions evictions;
  /** Hears of the partitions of L2 lost with their members. */
  private final PartitionLoss partitionLoss;
  private volatile boolean closed;

  @SuppressWarnings("unchecked")
  TierCache(TierCacheManager manager, String name, TierCacheConfiguration<K, V> configuration,
      HazelcastInstance hazelcast, SerializationService serialization, String mapName) {
    this.manager = manager;
    this.name = name;
    this.configuration = configuration;
    this.hazelcast = hazelcast;
    this.map = hazelcast.getMap(mapName);
    this.loader = (CacheLoader<K, V>) create(configuration.getCacheLoaderFactory());
    Supplier<Iterable<K>> warmUpKeys = warmUpKeys(name, configuration, loader);
    this.writer = (CacheWriter<K, V>) create(configuration.getCacheWriterFactory());
    WriteBehindSettings writeBehindSettings = configuration.getWriteBehind();
    this.statistics = new CacheStatistics(configuration.isStatisticsEnabled());
    this.writeBehind = !TierCacheConfiguration.writesBehind(configuration) ? null
        : new WriteBehind<>(name, hazelcast, serialization, mapName, writer, writeBehindSettings,
            manager.tiercacheConfig().settingsFor(name).maxEntries(),
            writeBehindBytes(manager.tiercacheConfig().settingsFor(name)), statistics::recordEvictions);
    this.expiry = new Expiry(configuration.getExpiryPolicyFactory().create(), configuration.getExpiryJitter(),
        configuration.getRefresh());
    this.events = new EventDispatcher<>(this);
    for (CacheEntryListenerConfiguration<K, V> listener : configuration.getCacheEntryListenerConfigurations()) {
      events.register(listener);
    }
    MapConfig mapConfig = hazelcast.getConfig().findMapConfig(mapName);
    // A plain put may be one operation on the owner only if the record, then the only copy of the
    // change, has a synchronous backup and Hazelcast never evicts it.
    boolean oneOperationWriteBehind = writeBehind != null && mapConfig.getBackupCount() >= 1
        && mapConfig.getEvictionConfig().getEvictionPolicy() == EvictionPolicy.NONE;
    NearCacheSettings nearCacheSettings = configuration.getNearCache();
    this.nearCache = nearCacheSettings == null || !nearCacheSettings.enabled() ? null
        : new NearCache(name, map, serialization, nearCacheSettings, configuration.getKeyType());
    this.evictions = mapConfig.getEvictionConfig().getEvictionPolicy() == EvictionPolicy.NONE ? null
        : new L2Evictions(map, statistics);
    this.partitionLoss = new PartitionLoss(name, map, mapConfig.getTotalBackupCount());

    this.codec = new KeyValueCodec<>(name, serialization, configuration);
    this.clusterEvents = new ClusterEvents<>(name, hazelcast, mapName, codec, events);
    this.records = new L2Records<>(name, map, hazelcast, serialization, codec, expiry, events, clusterEvents,
        statistics, nearCache, () -> closed);
    this.readsThrough = loader != null && configuration.isReadThrough();
    this.refresher = configuration.getRefresh() == null || configuration.getRefresh().isNone() || !readsThrough
        ? null : new Refresher<>(name, loader, records, statistics, writeBehind, () -> closed);
    this.reads = new Reads<>(records, codec, expiry, statistics, nearCache, refresher);
    this.readThrough = new ReadThrough<>(name, loader, hazelcast, records, codec, statistics, writeBehind,
        () -> closed);
    this.asyncReadThrough = new AsyncReadThrough<>(name, readThrough);
    this.readThroughSource = readsThrough ? loader::load : null;
    ChangeWriter<K, V> changes = writer == null || !configuration.isWriteThrough() ? ChangeWriter.none()
        : writeBehind != null ? ChangeWriter.behind(writeBehind) : ChangeWriter.through(name, writer);
    WriteBehind<K, V> recordIsQueue = oneOperationWriteBehind ? writeBehind : null;
    this.writes = new Writes<>(records, codec, changes, events, clusterEvents, expiry, statistics, recordIsQueue);
    this.batchWrites = new BatchWrites<>(records, writes, changes, serialization, recordIsQueue);
    this.versionedWrites = new VersionedWrites<>(records, codec, writes, statistics, nearCache, writeBehind);
    this.entryProcessing = new EntryProcessing<>(records, codec, changes, statistics,
        readsThrough ? readThrough : null);

    this.probeAnswers = new CacheProbe.Answers() {
      @Override
      public long[] counts() {
        return StatisticsSnapshot.of(statistics).toCounts();
      }

      @Override
      public byte[][] hottestKeys(int limit) {
        return nearCache == null ? new byte[0][] : nearCache.hottestKeys(limit);
      }
    };
    CacheProbe.register(hazelcast, mapName, probeAnswers);
    this.warmUp = warmUpKeys == null ? null : new WarmUp<>(name, hazelcast, mapName, warmUpKeys,
        configuration.getWarmUp(), readThrough::warm, () -> closed);
    this.mbeans = new CacheMBeans(manager.getURI().toString(), name);
    mbeans.registerAsConfigured(configuration, statistics, nearCache, writeBehind,
        warmUp == null ? null : warmUp.progress());
    if (warmUp != null) {
      warmUp.start();
    }
    if (nearCache != null && nearCacheSettings.warmUpKeys() > 0) {
      int limit = nearCacheSettings.warmUpKeys();
      CompletableFuture.runAsync(() -> reads.warmNearCache(
          CacheProbe.hottestKeys(hazelcast, mapName, limit, CLUSTER_STATISTICS_TIMEOUT_MILLIS), limit));
    }
  }

  /**
   * Where a warm-up takes its keys (asked only on the member that warms): those the configuration gives,
   * else the loader's own list; {@code null} without a warm-up. A warm-up with no keys is refused here,
   * before anything else is started.
   */
  @SuppressWarnings("unchecked")
  private static <K, V> Supplier<Iterable<K>> warmUpKeys(String name, TierCacheConfiguration<K, V> configuration,
      CacheLoader<K, V> loader) {
    if (configuration.getWarmUp() == null) {
      return null;
    }
    if (configuration.getWarmUpKeys() != null) {
      return () -> configuration.getWarmUpKeys().create();
    }
    if (loader instanceof KeyLister<?> lister) {
      return ((KeyLister<K>) lister)::allKeys;
    }
    closeQuietly(loader);
    throw new IllegalArgumentException("Cache " + name + ": warm-up needs its keys: a loader that lists them "
        + "(KeyLister, as JdbcCacheStore) or TierCacheConfiguration.setWarmUpKeys; " + loader.getClass().getName()
        + " lists none. A warm-up set in the file's defaults applies to every cache with a loader: set it per cache");
  }

  // ------------------------------------------------------------------ reads

  @Override
  public V get(K key) {
    checkOpen();
    Objects.requireNonNull(key, "key");
    return read(key, readThroughSource);
  }

  /**
   * The value of {@code key}, loaded through {@code mappingFunction} on a miss, once cluster-wide: the
   * seed's cache-aside (get, miss, query, put) made safe. Whatever number of callers on whatever number
   * of members miss the key at once, one runs the function while holding the key's lock and the others
   * get its value; a {@code remove} of the key that races the function (after the system of record
   * changed) waits for the lock, so the value read before the change cannot outlive the remove. No
   * {@code CacheLoader} is needed; the value is stored as a loaded one (never written through), with the
   * cache's expiry. A {@code null} result stores nothing and is returned. A function that throws fails
   * its caller, and those that were waiting for it, with a
   * {@link javax.cache.integration.CacheLoaderException} whose cause is what it threw; the next call
   * tries again.
   */
  public V get(K key, Function<? super K, ? extends V> mappingFunction) {
    checkOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(mappingFunction, "mapping function");
    return read(key, mappingFunction);
  }

  /** L1, then L2, then on a miss a single-flight load through {@code source} if there is one. */
  private V read(K key, Function<? super K, ? extends V> source) {
    long start = statistics.startTimer();
    V value = reads.nearHit(key);
    if (value == null) {
      Data k = codec.keyData(key);
      value = reads.readAndTouch(key, k);
      if (value == null && source != null) {
        value = readThrough.loadMissing(key, k, source);
      } else if (value == null) {
        statistics.recordMisses(1);
      }
    }
    statistics.recordTime(start, GET);
    return value;
  }

  /**
   * The value if the cache holds it (near cache first), counted as a hit; {@code null} otherwise, which
   * is not counted as a miss and never loads. For callers that take the miss path themselves under the
   * key's lock, such as Spring's {@code Cache.get(key, valueLoader)}: a hit then costs no lock, and a
   * miss is counted once, by that path.
   */
  public V getIfPresent(K key) {
    checkOpen();
    Objects.requireNonNull(key, "key");
    long start = statistics.startTimer();
    V value = reads.nearHit(key);
    if (value == null) {
      value = reads.readAndTouch(key, codec.keyData(key));
    }
    if (value != null) {
      statistics.recordTime(start, GET);
    }
    return value;
  }

  /**
   * {@link #get(Object, Function)} for callers that must not block: the value of {@code key}, loaded on a
   * miss through the future {@code mappingFunction} returns, once cluster-wide. A hit completes at once
   * (L1) or when the L2 read arrives, holding no thread meanwhile. Callers on this member that miss the
   * same key share one load; it runs on a loading thread of this cache (one per key in flight) that holds
   * the key's lock until the future completes and the value is stored, so callers on other members wait
   * for it and get its value. Failures, {@code null} results and statistics as in
   * {@link #get(Object, Function)}. Spring's {@code Cache.retrieve(key, loader)} is this call.
   */
  public CompletableFuture<V> getAsync(K key,
      Function<? super K, ? extends java.util.concurrent.CompletionStage<? extends V>> mappingFunction) {
    checkOpen();
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(mappingFunction, "mapping function");
    V hit = reads.nearHit(key);
    if (hit != null) {
      return CompletableFuture.completedFuture(hit);
    }
    Data k = codec.keyData(key);
    CompletableFuture<V> read = expiry.accessKeepsExpiry() ? reads.readAsync(key, k, false)
        : CompletableFuture.supplyAsync(() -> reads.readAndTouch(key, k)); // the access rule may lock
    return read.thenCompose(value -> value != null ? CompletableFuture.completedFuture(value)
        : asyncReadThrough.load(key, k, mappingFunction));
  }

  /**
   * The value of {@code key} (or none) with its version, for {@link #putIfUnchanged}: the safe form of a
   * cache-aside that cannot pass its query as a function to {@link #get(Object, Function)}, and of an
   * optimistic read-modify-write. A key found absent gets a lease that the next put of a value read from
   * the system of record can name; the lease ends with any change of the key, or after a minute. Never
   * loads; counted as a hit or miss, but not an access for the expiry policy and never a refresh.
   */
  public Versioned<V> getVersioned(K key) {
    checkOpen();
    Objects.requireNonNull(key, "key");
    long start = statistics.startTimer();
    Versioned<V> read = versionedWrites.read(key);
    statistics.recordTime(start, GET);
    return read;
  }

  /**
   * Puts {@code value} only if the entry is unchanged since {@code seen} was read by
   * {@link #getVersioned}: the same version, or, for a key read absent, no change of the key at all since
   * (no put, no remove, and no write-behind change of it pending) and within a minute of the read.
   * Otherwise stores nothing and returns {@code false}: the caller's value may be stale, and the next
   * read finds what the change left. A stored value is a put (written through if the cache writes
   * through, counted, CREATED or UPDATED). Under the key's lock: about as costly as {@code putIfAbsent}.
   */
  public boolean putIfUnchanged(K key, V value, Versioned<V> seen) {
    checkOpen();
    Objects.requireNonNull(seen, "seen");
    long start = statistics.startTimer();
    Data k = codec.keyData(codec.requireKey(key));
    byte[] bytes = codec.valueBytes(codec.requireValue(value));
    boolean put = versionedWrites.putIfUnchanged(key, k, value, bytes, seen);
    statistics.recordTime(start, PUT);
    return put;
  }

  /**
   * {@link #get} without blocking the caller: the L2 read is Hazelcast's asynchronous get, and the value
   * is deserialized when it arrives. Where the read has more to do than a plain read (a read-through
   * load on a miss, or an expiry policy that moves expiry on access), that part runs on the common pool.
   * Statistics count the read as {@code get} does.
   */
  public CompletableFuture<V> getAsync(K key) {
    checkOpen();
    Objects.requireNonNull(key, "key");
    V hit = reads.nearHit(key);
    if (hit != null) {
      return CompletableFuture.completedFuture(hit);
    }
    Data k = codec.keyData(key);
    if (!expiry.accessKeepsExpiry() || readsThrough) {
      return CompletableFuture.supplyAsync(() -> get(key));
    }
    return reads.readAsync(key, k);
  }

  @Override
  public Map<K, V> getAll(Set<? extends K> keys) {
    checkOpen();
    codec.requireNoNulls(keys, "keys");
    long start = statistics.startTimer();
    Map<K, Data> missing = new LinkedHashMap<>();
    Map<K, V> result = reads.readAll(keys, missing);
    if (!missing.isEmpty()) {
      if (readsThrough) {
        result.putAll(readThrough.loadAllMissing(missing));
      } else {
        statistics.recordMisses(missing.size());
      }
    }
    statistics.recordTime(start, GET);
    return result;
  }

  @Override
  public boolean containsKey(K key) {
    checkOpen();
    Objects.requireNonNull(key, "key");
    return reads.contains(key);
  }

  @Override
  public void loadAll(Set<? extends K> keys, boolean replaceExistingValues, CompletionListener listener) {
    checkOpen();
    codec.requireNoNulls(keys, "keys");
    if (loader == null) {
      if (listener != null) {
        listener.onCompletion();
      }
      return;
    }
    readThrough.loadAll(new ArrayList<>(keys), replaceExistingValues, listener);
  }

  // ------------------------------------------------------------------ writes

  @Override
  public void put(K key, V value) {
    checkOpen();
    long start = statistics.startTimer();
    Data k = codec.keyData(codec.requireKey(key));
    byte[] bytes = codec.valueBytes(codec.requireValue(value));
    writes.put(key, k, value, bytes);
    statistics.recordTime(start, PUT);
  }

  @Override
  public V getAndPut(K key, V value) {
    checkOpen();
    long start = statistics.startTimer();
    Data k = codec.keyData(codec.requireKey(key));
    byte[] bytes = codec.valueBytes(codec.requireValue(value));
    V old = writes.getAndPut(key, k, value, bytes);
    statistics.recordTime(start, GET | PUT);
    return old;
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> entries) {
    checkOpen();
    Objects.requireNonNull(entries, "entries");
    long start = statistics.startTimer();
    KeyValueCodec.Batch<K> batch = codec.serializeAll(entries);
    batchWrites.putAll(entries, batch.keys(), batch.values()).throwIfFailed();
    statistics.recordTime(start, PUT);
  }

  /**
   * {@link #put} with a time to live of this entry's own: it expires {@code timeToLive} after this put,
   * whether the put creates or updates it, whatever the cache's expiry policy says (the policy still
   * governs later accesses and writes without a time to live of their own); expiry jitter, the stale
   * window and refresh do not apply. With no writer and no listener it is one step on the key's owner,
   * as a plain put.
   *
   * @throws IllegalArgumentException if {@code timeToLive} is not positive
   */
  public void put(K key, V value, java.time.Duration timeToLive) {
    checkOpen();
    long ttlMillis = timeToLiveMillis(timeToLive);
    long start = statistics.startTimer();
    Data k = codec.keyData(codec.requireKey(key));
    byte[] bytes = codec.valueBytes(codec.requireValue(value));
    writes.put(key, k, value, bytes, ttlMillis);
    statistics.recordTime(start, PUT);
  }

  @Override
  public boolean putIfAbsent(K key, V value) {
    checkOpen();
    return putIfAbsent(key, value, Writes.POLICY_TTL);
  }

  /** {@link #putIfAbsent(Object, Object)} with the entry's own time to live, as the timed {@code put}. */
  public boolean putIfAbsent(K key, V value, java.time.Duration timeToLive) {
    checkOpen();
    return putIfAbsent(key, value, timeToLiveMillis(timeToLive));
  }

  /** The heap a write-behind cache's maps take per member, or 0 where the cache is bounded by entries. */
  private static long writeBehindBytes(dev.tiercache.config.CacheSettings settings) {
    return settings.maxMemory() == null ? 0 : settings.maxMemory().bytes();
  }

  /** Caller checked that the cache is open. */
  private boolean putIfAbsent(K key, V value, long ttlMillis) {
    long start = statistics.startTimer();
    Data k = codec.keyData(codec.requireKey(key));
    byte[] bytes = codec.valueBytes(codec.requireValue(value));
    boolean put = writes.putIfAbsent(key, k, value, bytes, ttlMillis);
    statistics.recordTime(start, PUT);
    return put;
  }

  @Override
  public boolean remove(K key) {
    checkOpen();
    long start = statistics.startTimer();
    Data k = codec.keyData(codec.requireKey(key));
    boolean removed = writes.remove(key, k);
    statistics.recordTime(start, REMOVE);
    return removed;
  }

  @Override
  public boolean remove(K key, V oldValue) {
    checkOpen();
    long start = statistics.startTimer();
    Data k = codec.keyData(codec.requireKey(key));
    codec.requireValue(oldValue);
    boolean removed = writes.remove(key, k, oldValue);
    statistics.recordTime(start, GET | (removed ? REMOVE : 0));
    return removed;
  }

  @Override
  public V getAndRemove(K key) {
    checkOpen();
    long start = statistics.startTimer();
    Data k = codec.keyData(codec.requireKey(key));
    V old = writes.getAndRemove(key, k);
    statistics.recordTime(start, GET | (old != null ? REMOVE : 0));
    return old;
  }

  @Override
  public boolean replace(K key, V oldValue, V newValue) {
    checkOpen();
    long start = statistics.startTimer();
    Data k = codec.keyData(codec.requireKey(key));
    codec.requireValue(oldValue);
    byte[] bytes = codec.valueBytes(codec.requireValue(newValue));
    boolean replaced = writes.replace(key, k, oldValue, newValue, bytes);
    statistics.recordTime(start, GET | (replaced ? PUT : 0));
    return replaced;
  }

  @Override
  public boolean replace(K key, V value) {
    checkOpen();
    return getAndReplace(key, value, false, Writes.POLICY_TTL) != null;
  }

  /** {@link #replace(Object, Object)} with the entry's own time to live, as the timed {@code put}. */
  public boolean replace(K key, V value, java.time.Duration timeToLive) {
    checkOpen();
    return getAndReplace(key, value, false, timeToLiveMillis(timeToLive)) != null;
  }

  @Override
  public V getAndReplace(K key, V value) {
    checkOpen();
    return getAndReplace(key, value, true, Writes.POLICY_TTL);
  }

  /** Replaces a present value; returns the old one (or a non-null marker if {@code wantOld} is false). */
  private V getAndReplace(K key, V value, boolean wantOld, long ttlMillis) {
    long start = statistics.startTimer();
    Data k = codec.keyData(codec.requireKey(key));
    byte[] bytes = codec.valueBytes(codec.requireValue(value));
    V old = writes.getAndReplace(key, k, value, bytes, wantOld, ttlMillis);
    statistics.recordTime(start, GET | (old != null ? PUT : 0));
    return old;
  }

  @Override
  public void removeAll(Set<? extends K> keys) {
    checkOpen();
    codec.requireNoNulls(keys, "keys");
    removeAllKeys(new ArrayList<>(keys));
  }

  @Override
  public void removeAll() {
    checkOpen();
    List<K> keys = new ArrayList<>();
    // Not the leases of versioned reads: they are no entries, and deleteAll must not delete their rows.
    for (Object key : map.keySet(new CacheRecord.NotLease())) {
      @SuppressWarnings("unchecked")
      K k = (K) key;
      keys.add(k);
    }
    if (!keys.isEmpty()) {
      removeAllKeys(keys);
    }
  }

  private void removeAllKeys(List<K> keys) {
    long start = statistics.startTimer();
    Map<K, Data> byKey = codec.keysData(keys);
    if (byKey.isEmpty()) {
      return;
    }
    ChangeWriter.Outcome outcome = batchWrites.removeAll(byKey);
    statistics.recordTime(start, REMOVE);
    outcome.throwIfFailed();
  }

  @Override
  public void clear() {
    checkOpen();
    try {
      batchWrites.clear();
    } finally {
      if (nearCache != null) {
        nearCache.invalidateAll();
      }
    }
  }

  // ------------------------------------------------------------------ entry processors

  @Override
  public <T> T invoke(K key, EntryProcessor<K, V, T> processor, Object... arguments) {
    checkOpen();
    codec.requireKey(key);
    Objects.requireNonNull(processor, "entry processor");
    Data k = codec.keyData(key);
    long start = statistics.startTimer();
    T result = entryProcessing.invoke(key, k, processor, arguments);
    statistics.recordTime(start, GET);
    return result;
  }

  @Override
  public <T> Map<K, EntryProcessorResult<T>> invokeAll(Set<? extends K> keys,
      EntryProcessor<K, V, T> processor, Object... arguments) {
    checkOpen();
    codec.requireNoNulls(keys, "keys");
    Objects.requireNonNull(processor, "entry processor");
    return EntryProcessing.eachKey(keys, key -> invoke(key, processor, arguments));
  }

  // ------------------------------------------------------------------ iteration

  @Override
  public Iterator<Cache.Entry<K, V>> iterator() {
    checkOpen();
    return new EntryIterator<>(new ArrayList<>(map.keySet()).iterator(), reads, codec, this::checkOpen,
        this::remove);
  }

  // ------------------------------------------------------------------ configuration and lifecycle

  @Override
  public <C extends Configuration<K, V>> C getConfiguration(Class<C> clazz) {
    Objects.requireNonNull(clazz, "configuration class");
    MutableConfiguration<K, V> copy;
    synchronized (configuration) {
      copy = new TierCacheConfiguration<>(configuration);
    }
    if (clazz.isInstance(copy)) {
      return clazz.cast(copy);
    }
    throw new IllegalArgumentException("The configuration of cache " + name + " is not a " + clazz.getName());
  }

  @Override
  public void registerCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    checkOpen();
    Objects.requireNonNull(listenerConfiguration, "listener configuration");
    synchronized (configuration) {
      events.register(listenerConfiguration);
      configuration.addCacheEntryListenerConfiguration(listenerConfiguration);
    }
  }

  @Override
  public void deregisterCacheEntryListener(CacheEntryListenerConfiguration<K, V> listenerConfiguration) {
    checkOpen();
    Objects.requireNonNull(listenerConfiguration, "listener configuration");
    synchronized (configuration) {
      events.deregister(listenerConfiguration);
      configuration.removeCacheEntryListenerConfiguration(listenerConfiguration);
    }
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public CacheManager getCacheManager() {
    return manager;
  }

  @Override
  public boolean isClosed() {
    return closed || manager.isClosed();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    manager.forget(this);
    shutdown();
  }

  /**
   * Releases everything this member holds for the cache: waits briefly for background loads, stops the
   * sweeper, closes listeners and every Closeable loader, writer and expiry policy, unregisters MXBeans.
   * The cache's data stays in L2.
   */
  void shutdown() {
    closed = true;
    readThrough.awaitLoads();
    asyncReadThrough.close();
    records.close();
    if (refresher != null) {
      refresher.close();
    }
    if (warmUp != null) {
      warmUp.awaitStop(WARM_UP_STOP_WAIT_MILLIS);
    }
    CacheProbe.unregister(hazelcast, map.getName(), probeAnswers);
    if (evictions != null) {
      evictions.close();
    }
    partitionLoss.close();
    if (nearCache != null) {
      nearCache.close();
    }
    events.close();
    clusterEvents.close();
    if (writeBehind != null) {
      writeBehind.flushAndStop(WRITE_BEHIND_CLOSE_FLUSH_MILLIS);
      mbeans.unregisterWriteBehind();
    }
    closeQuietly(loader);
    closeQuietly(writer);
    closeQuietly(expiry.policy());
    if (warmUp != null) {
      mbeans.unregisterWarmUp();
    }
    mbeans.unregisterStatistics();
    mbeans.unregisterConfiguration();
  }

  void setStatisticsEnabled(boolean enabled) {
    synchronized (configuration) {
      configuration.setStatisticsEnabled(enabled);
      statistics.setEnabled(enabled);
      if (enabled) {
        mbeans.registerStatistics(statistics, nearCache);
      } else {
        mbeans.unregisterStatistics();
      }
    }
  }

  void setManagementEnabled(boolean enabled) {
    synchronized (configuration) {
      configuration.setManagementEnabled(enabled);
      if (enabled) {
        mbeans.registerConfiguration(configuration);
      } else {
        mbeans.unregisterConfiguration();
      }
    }
  }

  /** Write-behind of this cache (statistics, dead letters), if it is configured. */
  public Optional<WriteBehind<K, V>> writeBehind() {
    return Optional.ofNullable(writeBehind);
  }

  /** The warm-up of the cache as this member sees it (whether it warms it, how far), if it has one. */
  public Optional<WarmUpProgress> warmUp() {
    return Optional.ofNullable(warmUp == null ? null : warmUp.progress());
  }

  /** This member's near cache (L1) of the cache, unless it is switched off. */
  public Optional<NearCache> nearCache() {
    return Optional.ofNullable(nearCache);
  }

  /**
   * How many partitions of this cache's data this member heard were lost since it opened the cache: lost
   * when more members left at once than the cache has backups (the entries they held are gone, and
   * reads of them are misses). 0 while no data was lost. Each loss is also logged at WARNING.
   */
  public long lostPartitions() {
    return partitionLoss.lost();
  }

  /** The JCache statistics this member has counted for the cache (also its statistics MXBean). */
  public CacheStatistics statistics() {
    return statistics;
  }

  /**
   * The cache's statistics summed over every member that has it open, asked now (one small call to each
   * member, answered within {@value #CLUSTER_STATISTICS_TIMEOUT_MILLIS} ms or left out; {@code members()}
   * says how many answered). Each member counts what was asked of it, with statistics enabled there, so
   * this is the whole system's view: L1, L2 and miss rates of all reads, all loads, all evictions.
   */
  public StatisticsSnapshot clusterStatistics() {
    checkOpen();
    StatisticsSnapshot sum = new StatisticsSnapshot(0, 0, 0, 0, 0, 0, 0, 0);
    for (long[] counts : CacheProbe.counts(hazelcast, map.getName(), CLUSTER_STATISTICS_TIMEOUT_MILLIS)) {
      sum = sum.plus(StatisticsSnapshot.fromCounts(counts));
    }
    return sum;
  }

  /**
   * The Tiercache cache behind {@code cache}, with its types: {@code TierCache.of(cacheManager.getCache(
   * "users", Long.class, User.class)).put(id, user, Duration.ofMinutes(5))} compiles without a cast, where
   * {@code unwrap(TierCache.class)} gives a raw type.
   *
   * @throws IllegalArgumentException if {@code cache} is not a Tiercache cache (nor unwraps to one)
   */
  @SuppressWarnings("unchecked")
  public static <K, V> TierCache<K, V> of(Cache<K, V> cache) {
    Objects.requireNonNull(cache, "cache");
    if (cache instanceof TierCache<K, V> tiercache) {
      return tiercache;
    }
    try {
      return cache.unwrap(TierCache.class);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Cache " + cache.getName() + " is not a Tiercache cache but a "
          + cache.getClass().getName() + ": its CacheManager comes from another JCache provider", e);
    }
  }

  @Override
  public <T> T unwrap(Class<T> clazz) {
    Objects.requireNonNull(clazz, "class");
    if (clazz.isInstance(this)) {
      return clazz.cast(this);
    }
    if (clazz.isInstance(map)) {
      return clazz.cast(map);
    }
    if (clazz.isInstance(hazelcast)) {
      return clazz.cast(hazelcast);
    }
    throw new IllegalArgumentException("A Tiercache cache cannot be unwrapped to " + clazz.getName());
  }

  // ------------------------------------------------------------------ helpers

  /** A per-entry time to live in milliseconds: positive, at least 1 ms, a longer one than fits is forever. */
  private static long timeToLiveMillis(java.time.Duration timeToLive) {
    Objects.requireNonNull(timeToLive, "time to live");
    if (timeToLive.isNegative() || timeToLive.isZero()) {
      throw new IllegalArgumentException("time to live must be positive, was " + timeToLive);
    }
    try {
      return Math.max(1, timeToLive.toMillis());
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /** The route a plain put takes now; for tests. */
  Writes.PutRoute putRoute() {
    return writes.putRoute();
  }

  /** The cache's L2 map, records as stored; for tests. */
  IMap<Object, CacheRecord> l2Map() {
    return map;
  }

  private void checkOpen() {
    if (isClosed()) {
      throw new IllegalStateException("Cache " + name + " is closed");
    }
  }

  private static Object create(Factory<?> factory) {
    return factory == null ? null : factory.create();
  }

  private static void closeQuietly(Object resource) {
    if (resource instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        LOG.log(Level.WARNING, "Closing " + resource + " failed", e);
      }
    }
  }

  @Override
  public String toString() {
    return "TierCache[" + name + " @ " + manager.getURI() + "]";
  }
}
