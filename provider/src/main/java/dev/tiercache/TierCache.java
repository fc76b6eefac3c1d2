package dev.tiercache;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.HeapData;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.MapConfig;
import com.hazelcast.map.IMap;
import dev.tiercache.cluster.CacheNames;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.cluster.LoadFailure;
import dev.tiercache.cluster.PendingWrite;
import dev.tiercache.config.NearCacheSettings;
import dev.tiercache.config.WriteBehindSettings;
import dev.tiercache.integration.WriteBehind;
import dev.tiercache.cluster.PutProcessor;
import dev.tiercache.cluster.UnwrittenRecords;
import dev.tiercache.cluster.WriteBehindPutProcessor;
import dev.tiercache.event.EventDispatcher;
import dev.tiercache.expiry.Expiry;
import dev.tiercache.expiry.ExpirySweeper;
import dev.tiercache.nearcache.NearCache;
import dev.tiercache.management.CacheConfigurationBean;
import dev.tiercache.management.CacheStatistics;
import dev.tiercache.management.MBeans;
import dev.tiercache.management.TierStatistics;
import dev.tiercache.processor.EntryProcessorEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.CacheManager;
import javax.cache.configuration.CacheEntryListenerConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.EventType;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheLoaderException;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;
import javax.cache.integration.CompletionListener;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.EntryProcessorException;
import javax.cache.processor.EntryProcessorResult;

/**
 * A Tiercache cache: a JCache {@link Cache} whose entries live in a Hazelcast map (L2) shared by every
 * member of the cluster, with the loader and writer of the system of record (L3) behind it.
 *
 * <p><b>Where operations run.</b> Every operation that may change an entry runs on the calling member
 * while it holds the entry's cluster-wide Hazelcast lock: read the L2 record, decide (expiry policy,
 * loader, writer, entry processor, all called exactly once), write the new record, publish events,
 * unlock. The lock makes each such operation atomic per key across the cluster, lets user code
 * (writers, loaders, entry processors that are not serializable, such as Spring's) run where the
 * cache is used rather than on a Hazelcast partition thread, and makes a read-through load single
 * flight cluster-wide: a second caller waits on the lock and then finds the loaded value. Plain reads
 * take no lock; they take one only when the expiry policy moves an entry's expiry on access. When no
 * user code has to run here (no writer, no listener, one of the standard expiry policies), {@code put}
 * and {@code remove} skip the lock and run as one step on the key's owner ({@link PutProcessor}),
 * which Hazelcast orders with the locked operations on the same key.
 *
 * <p><b>Store by value.</b> Keys are serialized once per call and used in serialized form as the L2
 * key; values are stored serialized in the {@link CacheRecord}; every read deserializes a private copy.
 *
 * <p>Validation comes before any side effect: closed state first, then nulls and types of every key
 * and value of a batch, then serialization.
 */
public final class TierCache<K, V> implements Cache<K, V> {

  private static final Logger LOG = Logger.getLogger(TierCache.class.getName());

  /** How much longer than Tiercache's own expiry Hazelcast keeps an entry, as a backstop only. */
  private static final long BACKSTOP_TTL_MARGIN_MILLIS = 5_000;

  /** How long closing a write-behind cache keeps trying to write what this member still owns. */
  private static final long WRITE_BEHIND_CLOSE_FLUSH_MILLIS = 30_000;

  /** How long a failed load is remembered for the callers that were waiting for it. */
  private static final long LOAD_FAILURE_TTL_SECONDS = 60;

  private final TierCacheManager manager;
  private final String name;
  private final MutableConfiguration<K, V> configuration;
  private final HazelcastInstance hazelcast;
  private final IMap<Object, CacheRecord> map;
  private final SerializationService serialization;
  private final CacheLoader<K, V> loader;
  private final CacheWriter<K, V> writer;
  private final WriteBehind<K, V> writeBehind;
  private final Expiry expiry;
  private final EventDispatcher<K, V> events;
  private final CacheStatistics statistics = new CacheStatistics();
  private final ExpirySweeper<Data> sweeper;
  private final NearCache nearCache;
  /**
   * Whether a plain put may be one {@link WriteBehindPutProcessor}: write-behind with at least one
   * synchronous backup of the cache's records and no Hazelcast eviction, since the record is then the
   * only copy of the change.
   */
  private final boolean oneOperationWriteBehind;
  private final Set<CompletableFuture<?>> pendingLoads = ConcurrentHashMap.newKeySet();
  private volatile IMap<Object, LoadFailure> loadFailures;
  private volatile boolean statisticsEnabled;
  private volatile boolean closed;

  @SuppressWarnings("unchecked")
  TierCache(TierCacheManager manager, String name, MutableConfiguration<K, V> configuration,
      HazelcastInstance hazelcast, SerializationService serialization, String mapName) {
    this.manager = manager;
    this.name = name;
    this.configuration = configuration;
    this.hazelcast = hazelcast;
    this.serialization = serialization;
    this.map = hazelcast.getMap(mapName);
    this.loader = configuration.getCacheLoaderFactory() == null ? null
        : (CacheLoader<K, V>) configuration.getCacheLoaderFactory().create();
    this.writer = configuration.getCacheWriterFactory() == null ? null
        : (CacheWriter<K, V>) configuration.getCacheWriterFactory().create();
    WriteBehindSettings writeBehindSettings = configuration instanceof TierCacheConfiguration<K, V> tiercache
        ? tiercache.getWriteBehind() : null;
    this.writeBehind = !writesBehind(configuration) ? null : new WriteBehind<>(name, hazelcast, serialization,
        mapName, writer, writeBehindSettings, manager.tiercacheConfig().settingsFor(name).maxEntries());
    if (writeBehind != null) {
      MBeans.register(writeBehind, MBeans.writeBehindName(manager.getURI().toString(), name));
    }
    ExpiryPolicy policy = configuration.getExpiryPolicyFactory().create();
    this.expiry = new Expiry(policy);
    this.events = new EventDispatcher<>(this);
    for (CacheEntryListenerConfiguration<K, V> listener : configuration.getCacheEntryListenerConfigurations()) {
      events.register(listener);
    }
    this.sweeper = new ExpirySweeper<>(name, this::expireIfDue);
    MapConfig mapConfig = hazelcast.getConfig().findMapConfig(mapName);
    this.oneOperationWriteBehind = writeBehind != null && mapConfig.getBackupCount() >= 1
        && mapConfig.getEvictionConfig().getEvictionPolicy() == EvictionPolicy.NONE;
    NearCacheSettings nearCacheSettings = configuration instanceof TierCacheConfiguration<K, V> tiercache
        ? tiercache.getNearCache() : null;
    this.nearCache = nearCacheSettings == null || !nearCacheSettings.enabled() ? null
        : new NearCache(name, map, hazelcast.getPartitionService(), serialization, nearCacheSettings);
    this.statisticsEnabled = configuration.isStatisticsEnabled();
    if (configuration.isStatisticsEnabled()) {
      registerStatistics();
    }
    if (configuration.isManagementEnabled()) {
      MBeans.register(new CacheConfigurationBean(configuration), objectName(MBeans.Kind.CONFIGURATION));
    }
  }

  /** Whether a cache of this configuration writes behind (the settings, a writer, and write-through on). */
  static boolean writesBehind(javax.cache.configuration.CompleteConfiguration<?, ?> configuration) {
    return configuration instanceof TierCacheConfiguration<?, ?> tiercache && tiercache.getWriteBehind() != null
        && configuration.getCacheWriterFactory() != null && configuration.isWriteThrough();
  }

  // ------------------------------------------------------------------ reads

  @Override
  public V get(K key) {
    checkOpen();
    Objects.requireNonNull(key, "key");
    long start = startTimer();
    if (nearCache != null) {
      V hit = nearHit(key);
      if (hit != null) {
        recordTime(start, true, false, false);
        return hit;
      }
    }
    Data k = keyData(key);
    V value = readAndTouch(key, k);
    if (value == null && isReadThrough()) {
      value = loadMissing(key, k);
    } else if (value == null) {
      countMisses(1);
    }
    recordTime(start, true, false, false);
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
    long start = startTimer();
    V value = nearCache == null ? null : nearHit(key);
    if (value == null) {
      value = readAndTouch(key, keyData(key));
    }
    if (value != null) {
      recordTime(start, true, false, false);
    }
    return value;
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
    if (nearCache != null) {
      V hit = nearHit(key);
      if (hit != null) {
        return CompletableFuture.completedFuture(hit);
      }
    }
    Data k = keyData(key);
    if (!expiry.accessKeepsExpiry() || isReadThrough()) {
      return CompletableFuture.supplyAsync(() -> get(key));
    }
    Object reservation = nearCache == null ? null : nearCache.reserve(key, k);
    CompletableFuture<CacheRecord> read;
    try {
      read = map.getAsync(k).toCompletableFuture();
    } catch (RuntimeException e) {
      release(reservation);
      throw e;
    }
    return read.handle((record, failure) -> {
      if (failure != null || record == null || record.isExpiredAt(System.currentTimeMillis())) {
        release(reservation);
        if (failure != null) {
          throw failure instanceof RuntimeException e ? e : new CacheException(failure);
        }
        countMisses(1);
        return null;
      }
      countHits(1);
      V value = toValue(record);
      publish(reservation, k, record, value);
      return value;
    });
  }

  /**
   * A live value from the near cache, as a private copy, with the statistics and the access rule of
   * the expiry policy applied as for an L2 hit; {@code null} if L1 has none.
   */
  private V nearHit(K key) {
    NearCache.Entry entry = nearCache.get(key);
    if (entry == null) {
      return null;
    }
    long expiresAt = entry.expiresAt();
    long now = expiresAt == CacheRecord.ETERNAL && expiry.accessKeepsExpiry() ? 0 : System.currentTimeMillis();
    if (expiresAt != CacheRecord.ETERNAL && expiresAt <= now) {
      return null; // L2 decides: it removes the entry and tells every member
    }
    @SuppressWarnings("unchecked")
    V value = (V) entry.value();
    if (statisticsEnabled) {
      statistics.recordNearHits(1);
    }
    if (!expiry.accessKeepsExpiry()) {
      touch(entry.key(), entry.version(), expiresAt, now);
    }
    return value;
  }

  private void publish(Object reservation, Data k, CacheRecord record, V value) {
    if (reservation != null) {
      nearCache.publish(reservation, k, record, value);
    }
  }

  private void release(Object reservation) {
    if (reservation != null) {
      nearCache.release(reservation);
    }
  }

  /** Drops {@code k} from this member's near cache; called once a change of it is in L2. */
  private void invalidateNear(Data k) {
    if (nearCache != null) {
      nearCache.invalidate(k);
    }
  }

  /**
   * Reads a live entry from L2 (keeping it in the near cache, if there is one) and applies the access
   * rule of the expiry policy; counts a hit if found. A miss is not counted here, because a
   * read-through load may still find the value.
   */
  private V readAndTouch(K key, Data k) {
    return readAndTouch(k, nearCache == null ? null : nearCache.reserve(key, k));
  }

  /** {@link #readAndTouch(Object, Data)} with the near cache reservation already taken, or none. */
  private V readAndTouch(Data k, Object reservation) {
    try {
      CacheRecord record = map.get(k);
      long now = System.currentTimeMillis();
      if (record == null) {
        return null;
      }
      if (record.isExpiredAt(now)) {
        sweeper.schedule(k, record.expiresAt());
        return null;
      }
      V value = toValue(record);
      countHits(1);
      publish(reservation, k, record, value);
      reservation = null;
      touch(k, record.version(), record.expiresAt(), now);
      return value;
    } finally {
      release(reservation);
    }
  }

  /** Asks the policy for the expiry after an access and stores it if it changed. */
  private void touch(Data k, long seenVersion, long seenExpiresAt, long now) {
    long expiresAt = expiry.afterAccess(now);
    if (expiresAt == Expiry.UNCHANGED || expiresAt == seenExpiresAt) {
      return;
    }
    withLock(k, () -> {
      CacheRecord current = map.get(k);
      if (current != null && current.version() == seenVersion) {
        storeOrExpire(k, current.withExpiry(expiresAt), System.currentTimeMillis());
      }
      return null;
    });
  }

  /**
   * Loads a missing key through the loader, once cluster-wide. Callers serialize on the key's lock: the
   * first loads; one that had to wait then finds either the loaded value, or (if that load failed)
   * the failure it was waiting for, which it throws instead of calling the loader again. A caller
   * that did not wait loads afresh, so the next get after a failure tries again.
   */
  private V loadMissing(K key, Data k) {
    long askedAt = clusterTime();
    boolean waited = !map.tryLock(k);
    if (waited) {
      map.lock(k);
    }
    try {
      long now = System.currentTimeMillis();
      CacheRecord record = liveRecord(k, now);
      if (record != null) {
        countHits(1);
        return toValue(record);
      }
      countMisses(1);
      if (waited) {
        LoadFailure failure = loadFailures().get(k);
        if (failure != null && failure.failedAt() >= askedAt) {
          throw failure.toException();
        }
      }
      V value;
      try {
        value = loadLocked(key, k);
      } catch (CacheLoaderException e) {
        loadFailures().set(k, new LoadFailure(clusterTime(), e), LOAD_FAILURE_TTL_SECONDS, TimeUnit.SECONDS);
        throw e;
      }
      if (value != null) {
        countLoads(1);
        storeLoaded(key, k, value, null, now);
      }
      return value;
    } finally {
      map.unlock(k);
    }
  }

  private IMap<Object, LoadFailure> loadFailures() {
    IMap<Object, LoadFailure> failures = loadFailures;
    if (failures == null) {
      failures = hazelcast.getMap(CacheNames.loadFailuresName(map.getName()));
      loadFailures = failures;
    }
    return failures;
  }

  private long clusterTime() {
    return hazelcast.getCluster().getClusterTime();
  }

  /**
   * Loads one key while holding its lock. With write-behind, a change not yet written wins over what
   * the system of record still holds: a pending delete loads nothing, a pending write is the value.
   */
  private V loadLocked(K key, Data k) {
    PendingWrite change = pendingChange(k);
    if (change != null) {
      return change.isDelete() ? null : valueOf(change.value());
    }
    return callLoader(key);
  }

  /** The change of {@code k} write-behind has not yet written, or {@code null} (always without write-behind). */
  private PendingWrite pendingChange(Data k) {
    return writeBehind == null ? null : writeBehind.pendingFor(k);
  }

  private V callLoader(K key) {
    try {
      return loader.load(key);
    } catch (CacheLoaderException e) {
      throw e;
    } catch (Exception e) {
      throw new CacheLoaderException("Loader of cache " + name + " failed for key " + key, e);
    }
  }

  /** Stores a loaded value (no write-through); {@code existing} is the live record it replaces, if any. */
  private void storeLoaded(K key, Data k, V value, CacheRecord existing, long now) {
    checkType(value, configuration.getValueType(), "value");
    byte[] bytes = valueBytes(value);
    if (existing == null) {
      long expiresAt = expiry.afterCreation(now);
      if (expiresAt > now) {
        store(k, new CacheRecord(bytes, expiresAt, CacheRecord.firstVersion()), now);
        events.publish(EventType.CREATED, key, value, null);
      }
    } else {
      long expiresAt = expiry.afterUpdate(now);
      CacheRecord next = new CacheRecord(bytes,
          expiresAt == Expiry.UNCHANGED ? existing.expiresAt() : expiresAt, existing.version() + 1);
      publishUpdate(key, value, existing, storeOrExpire(k, next, now));
    }
  }

  @Override
  public Map<K, V> getAll(Set<? extends K> keys) {
    checkOpen();
    requireNoNulls(keys, "keys");
    long start = startTimer();
    Map<K, V> result = new LinkedHashMap<>();
    Map<K, Data> missing = new LinkedHashMap<>();
    for (K key : keys) {
      V hit = nearCache == null ? null : nearHit(key);
      if (hit != null) {
        result.put(key, hit);
        continue;
      }
      Data k = keyData(key);
      V value = readAndTouch(key, k);
      if (value != null) {
        result.put(key, value);
      } else {
        missing.put(key, k);
      }
    }
    if (!missing.isEmpty()) {
      if (isReadThrough()) {
        result.putAll(loadAllMissing(missing));
      } else {
        countMisses(missing.size());
      }
    }
    recordTime(start, true, false, false);
    return result;
  }

  /** Loads all missing keys in one {@code loadAll} call, holding their locks (in a global order). */
  private Map<K, V> loadAllMissing(Map<K, Data> missing) {
    List<Map.Entry<K, Data>> locked = lockAll(missing);
    try {
      long now = System.currentTimeMillis();
      Map<K, V> found = new LinkedHashMap<>();
      List<K> toLoad = new ArrayList<>();
      for (Map.Entry<K, Data> e : locked) {
        CacheRecord record = liveRecord(e.getValue(), now);
        if (record != null) {
          found.put(e.getKey(), toValue(record));
        } else {
          toLoad.add(e.getKey());
        }
      }
      countHits(found.size());
      countMisses(toLoad.size());
      for (Iterator<K> it = toLoad.iterator(); it.hasNext(); ) {
        K key = it.next();
        PendingWrite change = pendingChange(missing.get(key));
        if (change != null) {
          it.remove(); // a change not yet written wins over the system of record
          if (!change.isDelete()) {
            V value = valueOf(change.value());
            storeLoaded(key, missing.get(key), value, null, now);
            found.put(key, value);
          }
        }
      }
      if (!toLoad.isEmpty()) {
        Map<K, V> loaded = callLoadAll(toLoad);
        for (K key : toLoad) {
          V value = loaded.get(key);
          if (value != null) {
            countLoads(1);
            storeLoaded(key, missing.get(key), value, null, now);
            found.put(key, value);
          }
        }
      }
      return found;
    } finally {
      unlockAll(locked);
    }
  }

  private Map<K, V> callLoadAll(Collection<K> keys) {
    try {
      Map<K, V> loaded = loader.loadAll(keys);
      return loaded == null ? Map.of() : loaded;
    } catch (CacheLoaderException e) {
      throw e;
    } catch (Exception e) {
      throw new CacheLoaderException("Loader of cache " + name + " failed for keys " + keys, e);
    }
  }

  @Override
  public boolean containsKey(K key) {
    checkOpen();
    Objects.requireNonNull(key, "key");
    if (nearCache != null) {
      NearCache.Entry entry = nearCache.get(key);
      if (entry != null && entry.expiresAt() > System.currentTimeMillis()) {
        return true;
      }
    }
    CacheRecord record = map.get(keyData(key));
    return record != null && !record.isExpiredAt(System.currentTimeMillis());
  }

  @Override
  public void loadAll(Set<? extends K> keys, boolean replaceExistingValues, CompletionListener listener) {
    checkOpen();
    requireNoNulls(keys, "keys");
    if (loader == null) {
      if (listener != null) {
        listener.onCompletion();
      }
      return;
    }
    List<K> keyList = new ArrayList<>(keys);
    CompletableFuture<Void> task = new CompletableFuture<>();
    pendingLoads.add(task);
    CompletableFuture.runAsync(() -> {
      try {
        loadAllNow(keyList, replaceExistingValues);
        task.complete(null);
        if (listener != null) {
          listener.onCompletion();
        }
      } catch (Exception e) {
        task.complete(null);
        if (listener != null) {
          listener.onException(e instanceof CacheLoaderException ? e : new CacheLoaderException(e));
        }
      } finally {
        pendingLoads.remove(task);
      }
    });
  }

  private void loadAllNow(List<K> keys, boolean replaceExistingValues) {
    Map<K, Data> byKey = new LinkedHashMap<>();
    for (K key : keys) {
      byKey.put(key, keyData(key));
    }
    List<K> toLoad = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (Map.Entry<K, Data> e : byKey.entrySet()) {
      if (pendingChange(e.getValue()) == null && (replaceExistingValues || liveRecord(e.getValue(), now) == null)) {
        toLoad.add(e.getKey());
      }
    }
    if (toLoad.isEmpty() || closed) {
      return;
    }
    Map<K, V> loaded = callLoadAll(toLoad);
    for (K key : toLoad) {
      V value = loaded.get(key);
      if (value == null || closed) {
        continue;
      }
      Data k = byKey.get(key);
      withLock(k, () -> {
        long at = System.currentTimeMillis();
        CacheRecord existing = liveRecord(k, at);
        // A change not yet written (that came in while loading) wins over what the system of record had.
        boolean unwritten = existing != null && existing.isUnwritten() || pendingChange(k) != null;
        if ((existing == null || replaceExistingValues) && !unwritten) {
          storeLoaded(key, k, value, existing, at);
        }
        return null;
      });
    }
  }

  // ------------------------------------------------------------------ writes

  @Override
  public void put(K key, V value) {
    checkOpen();
    long start = startTimer();
    Data k = keyData(requireKey(key));
    byte[] bytes = valueBytes(requireValue(value));
    long[] durations = expiry.constantDurations();
    if (durations != null && !isWriteThrough() && !events.hasListeners()) {
      putOnOwner(k, bytes, durations);
    } else if (oneOperationWriteBehind && !events.hasListeners() && neverExpires(durations)) {
      putBehindOnOwner(key, value, k, bytes);
    } else {
      withLock(k, () -> {
        putLocked(key, k, value, bytes, liveRecord(k, System.currentTimeMillis()));
        return null;
      });
    }
    recordTime(start, false, true, false);
  }

  @Override
  public V getAndPut(K key, V value) {
    checkOpen();
    long start = startTimer();
    Data k = keyData(requireKey(key));
    byte[] bytes = valueBytes(requireValue(value));
    V old = withLock(k, () -> {
      CacheRecord existing = liveRecord(k, System.currentTimeMillis());
      V previous = existing == null ? null : toValue(existing);
      putLocked(key, k, value, bytes, existing);
      countHitOrMiss(existing != null);
      return previous;
    });
    recordTime(start, true, true, false);
    return old;
  }

  /**
   * The one-step put: when no writer, no listener and no expiry policy of the user's needs to be
   * called here, the whole put runs on the key's owner as a single entry processor.
   */
  private void putOnOwner(Data k, byte[] bytes, long[] durations) {
    long outcome;
    try {
      outcome = (Long) map.executeOnKey(k, new PutProcessor(bytes, durations[0], durations[1]));
    } finally {
      invalidateNear(k);
    }
    if (outcome != PutProcessor.NOT_STORED_CREATED) {
      countPuts(1);
    }
    if (outcome > 0 && outcome != CacheRecord.ETERNAL) {
      sweeper.schedule(k, outcome);
    }
  }

  /**
   * A write-behind put in one operation on the owner: the record and, queued right behind it, the pending
   * change (see {@link WriteBehindPutProcessor}). Only for entries that never expire and records that have a
   * backup, so that the record outlives any member failure that could take the pending change with it.
   */
  private void putBehindOnOwner(K key, V value, Data k, byte[] bytes) {
    writeBehind.awaitRoom();
    boolean done;
    try {
      done = (Boolean) map.executeOnKey(k, new WriteBehindPutProcessor(bytes, map.getName()));
    } finally {
      invalidateNear(k);
    }
    if (done) {
      countPuts(1);
    } else { // the key has a change in the pending map: this one must follow it there
      withLock(k, () -> {
        putLocked(key, k, value, bytes, liveRecord(k, System.currentTimeMillis()));
        return null;
      });
    }
  }

  /** Whether constant durations (see {@link Expiry#constantDurations()}) make every entry eternal. */
  private static boolean neverExpires(long[] durations) {
    return durations != null && durations[0] == PutProcessor.ETERNAL
        && (durations[1] == PutProcessor.ETERNAL || durations[1] == PutProcessor.UNCHANGED);
  }

  /** Write-through, then create or update the record, with events and statistics. Caller holds the lock. */
  private void putLocked(K key, Data k, V value, byte[] bytes, CacheRecord existing) {
    write(key, k, value, bytes);
    long now = System.currentTimeMillis();
    if (existing == null) {
      create(key, k, value, bytes, now);
    } else {
      update(key, k, value, bytes, existing, now);
    }
  }

  private void create(K key, Data k, V value, byte[] bytes, long now) {
    long expiresAt = expiry.afterCreation(now);
    if (expiresAt <= now) {
      return; // created already expired: not stored, not counted, no event
    }
    store(k, new CacheRecord(bytes, expiresAt, CacheRecord.firstVersion()), now);
    countPuts(1);
    events.publish(EventType.CREATED, key, value, null);
  }

  private void update(K key, Data k, V value, byte[] bytes, CacheRecord existing, long now) {
    long expiresAt = expiry.afterUpdate(now);
    CacheRecord next = new CacheRecord(bytes,
        expiresAt == Expiry.UNCHANGED ? existing.expiresAt() : expiresAt, existing.version() + 1);
    boolean stored = storeOrExpire(k, next, now);
    countPuts(1);
    publishUpdate(key, value, existing, stored);
  }

  private void publishUpdate(K key, V value, CacheRecord existing, boolean stored) {
    if (events.hasListeners()) {
      V old = toValue(existing);
      if (stored) {
        events.publish(EventType.UPDATED, key, value, old);
      } else {
        events.publish(EventType.EXPIRED, key, old, old);
      }
    }
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> entries) {
    checkOpen();
    Objects.requireNonNull(entries, "entries");
    long start = startTimer();
    Map<K, Data> keys = new LinkedHashMap<>();
    Map<K, byte[]> values = new HashMap<>();
    for (Map.Entry<? extends K, ? extends V> e : entries.entrySet()) {
      requireKey(e.getKey());
      requireValue(e.getValue());
    }
    for (Map.Entry<? extends K, ? extends V> e : entries.entrySet()) {
      keys.put(e.getKey(), keyData(e.getKey()));
      values.put(e.getKey(), valueBytes(e.getValue()));
    }
    if (!isWriteThrough() || writeBehind != null) {
      for (Map.Entry<K, Data> e : keys.entrySet()) {
        K key = e.getKey();
        withLock(e.getValue(), () -> {
          putLocked(key, e.getValue(), entries.get(key), values.get(key),
              liveRecord(e.getValue(), System.currentTimeMillis()));
          return null;
        });
      }
    } else {
      putAllWritingThrough(entries, keys, values);
    }
    recordTime(start, false, true, false);
  }

  /**
   * One {@code writeAll} for the whole batch while holding every key's lock; the cache then applies
   * exactly the entries the writer took (on a partial failure the writer leaves the others in the
   * collection, as {@link CacheWriter#writeAll} specifies).
   */
  private void putAllWritingThrough(Map<? extends K, ? extends V> entries, Map<K, Data> keys,
      Map<K, byte[]> values) {
    List<Map.Entry<K, Data>> locked = lockAll(keys);
    CacheWriterException failure = null;
    try {
      List<Cache.Entry<? extends K, ? extends V>> batch = new ArrayList<>();
      for (Map.Entry<K, Data> e : locked) {
        batch.add(new TierCacheEntry<>(e.getKey(), entries.get(e.getKey())));
      }
      List<Cache.Entry<? extends K, ? extends V>> unwritten = new ArrayList<>(batch);
      try {
        writer.writeAll(unwritten);
        unwritten.clear();
      } catch (Exception e) {
        failure = e instanceof CacheWriterException cwe ? cwe
            : new CacheWriterException("Writer of cache " + name + " failed", e);
      }
      Set<Object> failed = new java.util.HashSet<>();
      for (Cache.Entry<? extends K, ? extends V> e : unwritten) {
        failed.add(e.getKey());
      }
      long now = System.currentTimeMillis();
      for (Map.Entry<K, Data> e : locked) {
        K key = e.getKey();
        if (failed.contains(key)) {
          continue;
        }
        CacheRecord existing = liveRecord(e.getValue(), now);
        if (existing == null) {
          create(key, e.getValue(), entries.get(key), values.get(key), now);
        } else {
          update(key, e.getValue(), entries.get(key), values.get(key), existing, now);
        }
      }
    } finally {
      unlockAll(locked);
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public boolean putIfAbsent(K key, V value) {
    checkOpen();
    long start = startTimer();
    Data k = keyData(requireKey(key));
    byte[] bytes = valueBytes(requireValue(value));
    boolean put = withLock(k, () -> {
      long now = System.currentTimeMillis();
      boolean absent = liveRecord(k, now) == null;
      if (absent) {
        write(key, k, value, bytes);
        create(key, k, value, bytes, now);
      }
      countHitOrMiss(!absent);
      return absent;
    });
    recordTime(start, false, true, false);
    return put;
  }

  @Override
  public boolean remove(K key) {
    checkOpen();
    long start = startTimer();
    Data k = keyData(requireKey(key));
    boolean removed;
    if (!isWriteThrough() && !events.hasListeners()) {
      // Nothing here needs to see the removal happen: one remove on the owner.
      CacheRecord existing;
      try {
        existing = map.remove(k);
      } finally {
        invalidateNear(k);
      }
      removed = existing != null && !existing.isExpiredAt(System.currentTimeMillis());
      if (removed) {
        countRemovals(1);
      }
    } else {
      removed = withLock(k, () -> {
        CacheRecord existing = liveRecord(k, System.currentTimeMillis());
        delete(key, k);
        if (existing != null) {
          removeLocked(key, k, existing);
        }
        return existing != null;
      });
    }
    recordTime(start, false, false, true);
    return removed;
  }

  /** Removes a live record with its event and statistics; write-behind of the delete is the caller's. */
  private void removeLocked(K key, Data k, CacheRecord existing) {
    deleteFromL2(k);
    countRemovals(1);
    if (events.hasListeners()) {
      V old = toValue(existing);
      events.publish(EventType.REMOVED, key, old, old);
    }
  }

  @Override
  public boolean remove(K key, V oldValue) {
    checkOpen();
    long start = startTimer();
    Data k = keyData(requireKey(key));
    requireValue(oldValue);
    boolean removed = withLock(k, () -> {
      long now = System.currentTimeMillis();
      CacheRecord existing = liveRecord(k, now);
      countHitOrMiss(existing != null);
      if (existing == null) {
        return false;
      }
      if (!Objects.equals(toValue(existing), oldValue)) {
        touchLocked(k, existing, now);
        return false;
      }
      delete(key, k);
      removeLocked(key, k, existing);
      return true;
    });
    recordTime(start, true, false, removed);
    return removed;
  }

  /** The access rule for a read that happens while the caller already holds the lock. */
  private void touchLocked(Data k, CacheRecord existing, long now) {
    long expiresAt = expiry.afterAccess(now);
    if (expiresAt != Expiry.UNCHANGED && expiresAt != existing.expiresAt()) {
      storeOrExpire(k, existing.withExpiry(expiresAt), now);
    }
  }

  @Override
  public V getAndRemove(K key) {
    checkOpen();
    long start = startTimer();
    Data k = keyData(requireKey(key));
    V old = withLock(k, () -> {
      CacheRecord existing = liveRecord(k, System.currentTimeMillis());
      delete(key, k);
      countHitOrMiss(existing != null);
      if (existing == null) {
        return null;
      }
      V previous = toValue(existing);
      removeLocked(key, k, existing);
      return previous;
    });
    recordTime(start, true, false, old != null);
    return old;
  }

  @Override
  public boolean replace(K key, V oldValue, V newValue) {
    checkOpen();
    long start = startTimer();
    Data k = keyData(requireKey(key));
    requireValue(oldValue);
    byte[] bytes = valueBytes(requireValue(newValue));
    boolean replaced = withLock(k, () -> {
      long now = System.currentTimeMillis();
      CacheRecord existing = liveRecord(k, now);
      countHitOrMiss(existing != null);
      if (existing == null) {
        return false;
      }
      if (!Objects.equals(toValue(existing), oldValue)) {
        touchLocked(k, existing, now);
        return false;
      }
      write(key, k, newValue, bytes);
      update(key, k, newValue, bytes, existing, System.currentTimeMillis());
      return true;
    });
    recordTime(start, true, replaced, false);
    return replaced;
  }

  @Override
  public boolean replace(K key, V value) {
    return getAndReplace(key, value, false) != null;
  }

  @Override
  public V getAndReplace(K key, V value) {
    return getAndReplace(key, value, true);
  }

  /** Replaces a present value; returns the old one (or a non-null marker if {@code wantOld} is false). */
  @SuppressWarnings("unchecked")
  private V getAndReplace(K key, V value, boolean wantOld) {
    checkOpen();
    long start = startTimer();
    Data k = keyData(requireKey(key));
    byte[] bytes = valueBytes(requireValue(value));
    V old = withLock(k, () -> {
      CacheRecord existing = liveRecord(k, System.currentTimeMillis());
      countHitOrMiss(existing != null);
      if (existing == null) {
        return null;
      }
      V previous = wantOld ? toValue(existing) : (V) Boolean.TRUE;
      write(key, k, value, bytes);
      update(key, k, value, bytes, existing, System.currentTimeMillis());
      return previous;
    });
    recordTime(start, true, old != null, false);
    return old;
  }

  @Override
  public void removeAll(Set<? extends K> keys) {
    checkOpen();
    requireNoNulls(keys, "keys");
    removeAllKeys(new ArrayList<>(keys));
  }

  @Override
  public void removeAll() {
    checkOpen();
    List<K> keys = new ArrayList<>();
    for (Object key : map.keySet()) {
      @SuppressWarnings("unchecked")
      K k = (K) key;
      keys.add(k);
    }
    if (!keys.isEmpty()) {
      removeAllKeys(keys);
    }
  }

  /**
   * Removes the keys; with write-through, one {@code deleteAll} for the batch under every key's lock,
   * and only the keys the writer deleted are removed from the cache.
   */
  private void removeAllKeys(List<K> keys) {
    long start = startTimer();
    Map<K, Data> byKey = new LinkedHashMap<>();
    for (K key : keys) {
      byKey.put(key, keyData(key));
    }
    if (byKey.isEmpty()) {
      return;
    }
    List<Map.Entry<K, Data>> locked = lockAll(byKey);
    CacheWriterException failure = null;
    try {
      Set<Object> notDeleted = new java.util.HashSet<>();
      if (writeBehind != null && isWriteThrough()) {
        for (Map.Entry<K, Data> e : locked) {
          writeBehind.recordDelete(e.getValue());
        }
      } else if (isWriteThrough()) {
        List<Object> remaining = new ArrayList<>();
        for (Map.Entry<K, Data> e : locked) {
          remaining.add(e.getKey());
        }
        try {
          writer.deleteAll(remaining);
          remaining.clear();
        } catch (Exception e) {
          failure = e instanceof CacheWriterException cwe ? cwe
              : new CacheWriterException("Writer of cache " + name + " failed", e);
        }
        notDeleted.addAll(remaining);
      }
      long now = System.currentTimeMillis();
      for (Map.Entry<K, Data> e : locked) {
        if (notDeleted.contains(e.getKey())) {
          continue;
        }
        CacheRecord existing = liveRecord(e.getValue(), now);
        if (existing != null) {
          removeLocked(e.getKey(), e.getValue(), existing);
        }
      }
    } finally {
      unlockAll(locked);
    }
    recordTime(start, false, false, true);
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public void clear() {
    checkOpen();
    try {
      if (oneOperationWriteBehind) {
        clearKeepingUnwritten();
      } else {
        map.clear();
      }
    } finally {
      if (nearCache != null) {
        nearCache.invalidateAll();
      }
    }
  }

  /**
   * {@code clear()} of a write-behind cache whose records may hold unwritten changes. Those were
   * acknowledged and must still reach the system of record ({@code clear()} itself never calls the
   * writer), so each unwritten record is handed to the pending map under its key's lock before it goes;
   * then the written records are removed in one pass. A put that lands during the pass stays: it came
   * after the clear.
   */
  private void clearKeepingUnwritten() {
    for (Object key : map.keySet(new UnwrittenRecords.Unwritten())) {
      Data k = serialization.toData(key);
      withLock(k, () -> {
        CacheRecord record = map.get(k);
        if (record != null && record.isUnwritten()) {
          writeBehind.handOver(k, record);
          map.delete(k);
        }
        return null;
      });
    }
    map.executeOnEntries(new UnwrittenRecords.RemoveWritten(1000, 0));
  }

  // ------------------------------------------------------------------ entry processors

  @Override
  public <T> T invoke(K key, EntryProcessor<K, V, T> processor, Object... arguments) {
    checkOpen();
    requireKey(key);
    Objects.requireNonNull(processor, "entry processor");
    Data k = keyData(key);
    long start = startTimer();
    T result = withLock(k, () -> {
      CacheRecord existing = liveRecord(k, System.currentTimeMillis());
      V current = existing == null ? null : toValue(existing);
      EntryProcessorEntry<K, V> entry =
          new EntryProcessorEntry<>(key, current, isReadThrough() ? missing -> loadLocked(missing, k) : null);
      T processed;
      try {
        processed = processor.process(entry, arguments);
      } catch (EntryProcessorException e) {
        throw e;
      } catch (Exception e) {
        throw new EntryProcessorException(e);
      }
      countHitOrMiss(existing != null);
      applyOutcome(key, k, entry, existing, System.currentTimeMillis());
      return processed;
    });
    recordTime(start, true, false, false);
    return result;
  }

  /** Applies the net effect of an entry processor. Caller holds the lock. */
  private void applyOutcome(K key, Data k, EntryProcessorEntry<K, V> entry, CacheRecord existing, long now) {
    switch (entry.outcome()) {
      case NONE -> { }
      case ACCESS -> touchLocked(k, existing, now);
      case LOAD -> {
        countLoads(1);
        storeLoaded(key, k, entry.value(), null, now);
      }
      case CREATE -> {
        V value = checkType(entry.value(), configuration.getValueType(), "value");
        byte[] bytes = valueBytes(value);
        write(key, k, value, bytes);
        create(key, k, value, bytes, now);
      }
      case UPDATE -> {
        V value = checkType(entry.value(), configuration.getValueType(), "value");
        byte[] bytes = valueBytes(value);
        write(key, k, value, bytes);
        update(key, k, value, bytes, existing, now);
      }
      case REMOVE -> {
        delete(key, k);
        if (existing != null) {
          removeLocked(key, k, existing);
        }
      }
    }
  }

  @Override
  public <T> Map<K, EntryProcessorResult<T>> invokeAll(Set<? extends K> keys,
      EntryProcessor<K, V, T> processor, Object... arguments) {
    checkOpen();
    requireNoNulls(keys, "keys");
    Objects.requireNonNull(processor, "entry processor");
    Map<K, EntryProcessorResult<T>> results = new LinkedHashMap<>();
    for (K key : keys) {
      try {
        T result = invoke(key, processor, arguments);
        if (result != null) {
          results.put(key, () -> result);
        }
      } catch (CacheException e) {
        EntryProcessorException failure =
            e instanceof EntryProcessorException epe ? epe : new EntryProcessorException(e);
        results.put(key, () -> {
          throw failure;
        });
      }
    }
    return results;
  }

  // ------------------------------------------------------------------ iteration

  @Override
  public Iterator<Cache.Entry<K, V>> iterator() {
    checkOpen();
    return new EntryIterator();
  }

  /**
   * Walks a snapshot of the keys and reads each entry when it is reached, so every {@code next()} is
   * a real read: expired entries are skipped, the access rule of the expiry policy applies and hits
   * are counted; it never loads. {@code remove()} is a full cache remove (writer, event, statistics).
   */
  private final class EntryIterator implements Iterator<Cache.Entry<K, V>> {
    private final Iterator<Object> keys = new ArrayList<>(map.keySet()).iterator();
    private Cache.Entry<K, V> next;
    private Cache.Entry<K, V> last;

    @Override
    public boolean hasNext() {
      checkOpen();
      while (next == null && keys.hasNext()) {
        @SuppressWarnings("unchecked")
        K key = (K) keys.next();
        V value = readAndTouch(keyData(key), null); // a walk over everything does not fill L1
        if (value != null) {
          next = new TierCacheEntry<>(key, value);
        }
      }
      return next != null;
    }

    @Override
    public Cache.Entry<K, V> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      last = next;
      next = null;
      return last;
    }

    @Override
    public void remove() {
      checkOpen();
      if (last == null) {
        throw new IllegalStateException("next() has not returned an entry to remove");
      }
      TierCache.this.remove(last.getKey());
      last = null;
    }
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
    for (CompletableFuture<?> load : pendingLoads) {
      try {
        load.get(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        LOG.log(Level.WARNING, "A loadAll of cache " + name + " was still running at close", e);
      }
    }
    sweeper.close();
    if (nearCache != null) {
      nearCache.close();
    }
    events.close();
    if (writeBehind != null) {
      writeBehind.flushAndStop(WRITE_BEHIND_CLOSE_FLUSH_MILLIS);
      MBeans.unregister(MBeans.writeBehindName(manager.getURI().toString(), name));
    }
    closeQuietly(loader);
    closeQuietly(writer);
    closeQuietly(expiry.policy());
    unregisterStatistics();
    MBeans.unregister(objectName(MBeans.Kind.CONFIGURATION));
  }

  void setStatisticsEnabled(boolean enabled) {
    synchronized (configuration) {
      configuration.setStatisticsEnabled(enabled);
      statisticsEnabled = enabled;
      if (enabled) {
        registerStatistics();
      } else {
        unregisterStatistics();
      }
    }
  }

  /** The JCache statistics MXBean and, beside it, Tiercache's tier statistics. */
  private void registerStatistics() {
    MBeans.register(statistics, objectName(MBeans.Kind.STATISTICS));
    MBeans.register(new TierStatistics(statistics,
        () -> nearCache == null ? 0 : nearCache.size(),
        () -> nearCache == null ? 0 : nearCache.invalidations(),
        () -> nearCache == null ? 0 : nearCache.repaired()),
        MBeans.tierStatisticsName(manager.getURI().toString(), name));
  }

  private void unregisterStatistics() {
    MBeans.unregister(objectName(MBeans.Kind.STATISTICS));
    MBeans.unregister(MBeans.tierStatisticsName(manager.getURI().toString(), name));
  }

  void setManagementEnabled(boolean enabled) {
    synchronized (configuration) {
      configuration.setManagementEnabled(enabled);
      if (enabled) {
        MBeans.register(new CacheConfigurationBean(configuration), objectName(MBeans.Kind.CONFIGURATION));
      } else {
        MBeans.unregister(objectName(MBeans.Kind.CONFIGURATION));
      }
    }
  }

  /** Write-behind of this cache (statistics, dead letters), if it is configured. */
  public Optional<WriteBehind<K, V>> writeBehind() {
    return Optional.ofNullable(writeBehind);
  }

  /** This member's near cache (L1) of the cache, unless it is switched off. */
  public Optional<NearCache> nearCache() {
    return Optional.ofNullable(nearCache);
  }

  /** The JCache statistics this member has counted for the cache (also its statistics MXBean). */
  public CacheStatistics statistics() {
    return statistics;
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

  /** The record if it is live; an expired one is removed now, with its EXPIRED event. Caller holds the lock. */
  private CacheRecord liveRecord(Data k, long now) {
    CacheRecord record = map.get(k);
    if (record != null && record.isExpiredAt(now)) {
      expireLocked(k, record);
      return null;
    }
    return record;
  }

  private void expireLocked(Data k, CacheRecord record) {
    deleteFromL2(k);
    if (events.hasListeners(EventType.EXPIRED)) {
      @SuppressWarnings("unchecked")
      K key = (K) serialization.toObject(k);
      V old = toValue(record);
      events.publish(EventType.EXPIRED, key, old, old);
    }
  }

  /** Called by the sweeper: removes the key if it is expired; returns when to look again, if ever. */
  private Long expireIfDue(Data k) {
    if (closed) {
      return null;
    }
    if (!map.tryLock(k)) {
      return System.currentTimeMillis() + ExpirySweeper.TICK_MILLIS;
    }
    try {
      CacheRecord record = map.get(k);
      if (record == null) {
        return null;
      }
      if (record.isExpiredAt(System.currentTimeMillis())) {
        expireLocked(k, record);
        return null;
      }
      return record.expiresAt() == CacheRecord.ETERNAL ? null : record.expiresAt();
    } catch (RuntimeException e) {
      if (closed || !hazelcast.getLifecycleService().isRunning()) {
        return null;
      }
      throw e;
    } finally {
      try {
        map.unlock(k);
      } catch (RuntimeException e) {
        // the map was destroyed or the member stopped while sweeping: nothing left to unlock
      }
    }
  }

  /**
   * Writes {@code next}, or removes the entry if its expiry is already past (with an EXPIRED event
   * left to the caller). Returns whether the record was stored.
   */
  private boolean storeOrExpire(Data k, CacheRecord next, long now) {
    if (next.isExpiredAt(now)) {
      deleteFromL2(k);
      return false;
    }
    store(k, next, now);
    return true;
  }

  private void store(Data k, CacheRecord record, long now) {
    try {
      if (record.expiresAt() == CacheRecord.ETERNAL) {
        map.set(k, record);
      } else {
        // Hazelcast's own TTL (whole seconds) only backs ours up, e.g. if this member dies before sweeping.
        long ttl = record.expiresAt() - now + BACKSTOP_TTL_MARGIN_MILLIS;
        map.set(k, record, ttl, TimeUnit.MILLISECONDS);
        sweeper.schedule(k, record.expiresAt());
      }
    } finally {
      invalidateNear(k);
    }
  }

  /** Deletes the entry from L2 and then from this member's near cache. */
  private void deleteFromL2(Data k) {
    try {
      map.delete(k);
    } finally {
      invalidateNear(k);
    }
  }

  /** Write-through of a new value: the writer now, or write-behind's durable record of it. */
  private void write(K key, Data k, V value, byte[] bytes) {
    if (!isWriteThrough()) {
      return;
    }
    if (writeBehind != null) {
      writeBehind.recordWrite(k, bytes);
      return;
    }
    try {
      writer.write(new TierCacheEntry<>(key, value));
    } catch (CacheWriterException e) {
      throw e;
    } catch (Exception e) {
      throw new CacheWriterException("Writer of cache " + name + " failed for key " + key, e);
    }
  }

  /** Write-through of a removal: the writer now, or write-behind's durable record of it. */
  private void delete(K key, Data k) {
    if (!isWriteThrough()) {
      return;
    }
    if (writeBehind != null) {
      writeBehind.recordDelete(k);
      return;
    }
    try {
      writer.delete(key);
    } catch (CacheWriterException e) {
      throw e;
    } catch (Exception e) {
      throw new CacheWriterException("Writer of cache " + name + " failed to delete key " + key, e);
    }
  }

  private boolean isWriteThrough() {
    return writer != null && configuration.isWriteThrough();
  }

  private boolean isReadThrough() {
    return loader != null && configuration.isReadThrough();
  }

  /** Runs {@code body} while this thread holds the key's cluster-wide lock. */
  private <T> T withLock(Data k, Supplier<T> body) {
    map.lock(k);
    try {
      return body.get();
    } finally {
      map.unlock(k);
    }
  }

  private long startTimer() {
    return statisticsEnabled ? System.nanoTime() : 0;
  }

  /** Adds the operation's time to each average it counts toward, as the JCache statistics define them. */
  private void recordTime(long start, boolean asGet, boolean asPut, boolean asRemove) {
    if (!statisticsEnabled) {
      return;
    }
    long elapsed = System.nanoTime() - start;
    if (asGet) {
      statistics.recordGetTime(elapsed);
    }
    if (asPut) {
      statistics.recordPutTime(elapsed);
    }
    if (asRemove) {
      statistics.recordRemoveTime(elapsed);
    }
  }

  /** Locks the keys in one global order (by serialized form), so concurrent batches never deadlock. */
  private List<Map.Entry<K, Data>> lockAll(Map<K, Data> keys) {
    List<Map.Entry<K, Data>> sorted = new ArrayList<>(keys.entrySet());
    sorted.sort(Comparator.comparing(e -> e.getValue().toByteArray(), Arrays::compare));
    List<Map.Entry<K, Data>> locked = new ArrayList<>(sorted.size());
    try {
      for (Map.Entry<K, Data> e : sorted) {
        map.lock(e.getValue());
        locked.add(e);
      }
    } catch (RuntimeException e) {
      unlockAll(locked);
      throw e;
    }
    return locked;
  }

  private void unlockAll(List<Map.Entry<K, Data>> locked) {
    for (int i = locked.size() - 1; i >= 0; i--) {
      map.unlock(locked.get(i).getValue());
    }
  }

  private Data keyData(K key) {
    return toData(key, "key");
  }

  private byte[] valueBytes(V value) {
    return toData(value, "value").toByteArray();
  }

  private Data toData(Object object, String what) {
    try {
      return serialization.toData(object);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("Cache " + name + " stores by value and cannot serialize the " + what
          + " of type " + object.getClass().getName() + ": " + rootMessage(e)
          + ". Make the class Serializable or register a Hazelcast serializer for it.", e);
    }
  }

  private V toValue(CacheRecord record) {
    return valueOf(record.value());
  }

  /** A private copy of a value from its serialized form. */
  @SuppressWarnings("unchecked")
  private V valueOf(byte[] serialized) {
    return (V) serialization.toObject(new HeapData(serialized));
  }

  private K requireKey(K key) {
    Objects.requireNonNull(key, "key");
    return checkType(key, configuration.getKeyType(), "key");
  }

  private V requireValue(V value) {
    Objects.requireNonNull(value, "value");
    return checkType(value, configuration.getValueType(), "value");
  }

  private void requireNoNulls(Collection<?> keys, String what) {
    Objects.requireNonNull(keys, what);
    for (Object key : keys) {
      Objects.requireNonNull(key, "a null element in " + what);
      checkType(key, configuration.getKeyType(), "key");
    }
  }

  private <T> T checkType(T object, Class<?> type, String what) {
    if (type != Object.class && !type.isInstance(object)) {
      throw new ClassCastException("Cache " + name + " takes " + what + "s of type " + type.getName()
          + ", not " + object.getClass().getName());
    }
    return object;
  }

  private void checkOpen() {
    if (isClosed()) {
      throw new IllegalStateException("Cache " + name + " is closed");
    }
  }

  private void countHitOrMiss(boolean hit) {
    if (hit) {
      countHits(1);
    } else {
      countMisses(1);
    }
  }

  private void countHits(long n) {
    if (statisticsEnabled && n > 0) {
      statistics.recordHits(n);
    }
  }

  private void countMisses(long n) {
    if (statisticsEnabled && n > 0) {
      statistics.recordMisses(n);
    }
  }

  private void countLoads(long n) {
    if (statisticsEnabled) {
      statistics.recordLoads(n);
    }
  }

  private void countPuts(long n) {
    if (statisticsEnabled) {
      statistics.recordPuts(n);
    }
  }

  private void countRemovals(long n) {
    if (statisticsEnabled) {
      statistics.recordRemovals(n);
    }
  }

  private javax.management.ObjectName objectName(MBeans.Kind kind) {
    return MBeans.name(kind, manager.getURI().toString(), name);
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
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
