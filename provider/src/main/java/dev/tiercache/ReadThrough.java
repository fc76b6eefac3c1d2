package dev.tiercache;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.map.IMap;
import dev.tiercache.cluster.CacheNames;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.cluster.LoadFailure;
import dev.tiercache.cluster.PendingWrite;
import dev.tiercache.integration.WriteBehind;
import dev.tiercache.management.CacheStatistics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.cache.integration.CacheLoader;
import javax.cache.integration.CacheLoaderException;
import javax.cache.integration.CompletionListener;

/**
 * Loading a value into the cache: a read-through miss, {@code getAll}'s misses, an entry processor's
 * {@code getValue} of an absent key and {@code loadAll}, through the cache's {@link CacheLoader}; and
 * {@code TierCache.get(key, mappingFunction)}, through the caller's function, which needs no loader.
 * Every cache has one; the loader's paths are used only when it has a loader.
 *
 * <p><b>One load per key, cluster-wide.</b> A miss loads under the key's lock: the first caller loads;
 * one that had to wait then finds either the loaded value, or (if that load failed) the failure it was
 * waiting for, shared through a small side map, which it throws instead of loading again.
 * A caller that did not wait loads afresh, so the next get after a failure tries again. Holding the
 * lock from the miss to the store is also what makes a hand-written cache-aside safe: a remove of the
 * key (after the system of record changed) waits for the lock, so it lands after the store, never
 * before a value read from the old row.
 *
 * <p><b>Unwritten changes win.</b> With write-behind, a change not yet written is newer than what the
 * system of record holds: a pending delete loads nothing, a pending write is the value, and
 * {@code loadAll} never replaces an unwritten record.
 */
final class ReadThrough<K, V> {

  private static final Logger LOG = Logger.getLogger(ReadThrough.class.getName());

  /** How long a failed load is remembered for the callers that were waiting for it. */
  private static final long LOAD_FAILURE_TTL_SECONDS = 60;

  /** How long closing the cache waits for a {@code loadAll} in flight. */
  private static final long CLOSE_WAIT_SECONDS = 10;

  private final String cacheName;
  private final CacheLoader<K, V> loader;
  private final HazelcastInstance hazelcast;
  private final L2Records<K, V> records;
  private final KeyValueCodec<K, V> codec;
  private final CacheStatistics statistics;
  private final WriteBehind<K, V> writeBehind;
  private final BooleanSupplier closed;
  private final Set<CompletableFuture<?>> pendingLoads = ConcurrentHashMap.newKeySet();
  private volatile IMap<Object, LoadFailure> loadFailures;

  /** {@code loader} is {@code null} if the cache has none; {@code writeBehind} unless it writes behind. */
  ReadThrough(String cacheName, CacheLoader<K, V> loader, HazelcastInstance hazelcast, L2Records<K, V> records,
      KeyValueCodec<K, V> codec, CacheStatistics statistics, WriteBehind<K, V> writeBehind, BooleanSupplier closed) {
    this.cacheName = cacheName;
    this.loader = loader;
    this.hazelcast = hazelcast;
    this.records = records;
    this.codec = codec;
    this.statistics = statistics;
    this.writeBehind = writeBehind;
    this.closed = closed;
  }

  // ------------------------------------------------------------------ read-through

  /**
   * Loads a key that a read missed through {@code source}, once cluster-wide (see the class comment);
   * counts the hit or miss, and the load. A {@code null} from {@code source} stores nothing.
   */
  V loadMissing(K key, Data k, Function<? super K, ? extends V> source) {
    long askedAt = clusterTime();
    boolean waited = records.lockNotingWait(k);
    try {
      long now = System.currentTimeMillis();
      CacheRecord record = records.liveRecord(k, now);
      if (record != null) {
        statistics.recordHits(1);
        return codec.toValue(record);
      }
      statistics.recordMisses(1);
      if (waited) {
        LoadFailure failure = loadFailures().get(k);
        if (failure != null && failure.failedAt() >= askedAt) {
          throw failure.toException();
        }
      }
      V value;
      try {
        value = loadLocked(key, k, source);
      } catch (CacheLoaderException e) {
        loadFailures().set(k, new LoadFailure(clusterTime(), e), LOAD_FAILURE_TTL_SECONDS, TimeUnit.SECONDS);
        throw e;
      }
      if (value != null) {
        statistics.recordLoads(1);
        records.storeLoaded(key, k, value, null);
      }
      return value;
    } finally {
      records.unlock(k);
    }
  }

  /** Loads one key through the loader while the caller holds its lock; an unwritten change of it wins. */
  V loadLocked(K key, Data k) {
    return loadLocked(key, k, loader::load);
  }

  private V loadLocked(K key, Data k, Function<? super K, ? extends V> source) {
    PendingWrite change = pendingChange(k);
    if (change != null) {
      return change.isDelete() ? null : codec.valueOf(change.value());
    }
    try {
      return source.apply(key);
    } catch (Exception e) {
      throw loaderFailure(e, "key " + key);
    }
  }

  /**
   * Loads all keys {@code getAll} missed in one {@code loadAll} call, holding their locks (in the global
   * order); counts each key's hit or miss under the lock, as {@link #loadMissing} does.
   */
  Map<K, V> loadAllMissing(Map<K, Data> missing) {
    return loadAbsent(missing, true);
  }

  /**
   * Loads the keys of a warm-up batch that are absent, the same way: under their locks from the look to
   * the store, so a remove that races the batch's {@code loadAll} (the row deleted meanwhile) waits and
   * lands after the store. Counts nothing (not the application's reads); returns how many it stored.
   */
  int warm(List<K> keys) {
    return loadAbsent(codec.keysData(keys), false).size();
  }

  /**
   * Under the keys' locks: a live value stays, an unwritten change wins over the system of record, the
   * rest come from one {@code loadAll} and are stored. {@code asRead}: a read's, counting each key's hit
   * or miss and each load, and answering the live values too; otherwise answering only what it stored.
   */
  private Map<K, V> loadAbsent(Map<K, Data> keys, boolean asRead) {
    List<Map.Entry<K, Data>> locked = records.lockAll(keys);
    try {
      long now = System.currentTimeMillis();
      Map<K, V> found = new LinkedHashMap<>();
      List<K> toLoad = new ArrayList<>();
      int live = 0;
      for (Map.Entry<K, Data> e : locked) {
        CacheRecord record = records.liveRecord(e.getValue(), now);
        if (record == null) {
          toLoad.add(e.getKey());
        } else if (asRead) {
          found.put(e.getKey(), codec.toValue(record));
          live++;
        }
      }
      if (asRead) {
        statistics.recordHits(live);
        statistics.recordMisses(toLoad.size());
      }
      for (Iterator<K> it = toLoad.iterator(); it.hasNext(); ) {
        K key = it.next();
        PendingWrite change = pendingChange(keys.get(key));
        if (change != null) {
          it.remove(); // a change not yet written wins over the system of record
          if (!change.isDelete()) {
            V value = codec.valueOf(change.value());
            records.storeLoaded(key, keys.get(key), value, null);
            found.put(key, value);
          }
        }
      }
      if (!toLoad.isEmpty()) {
        Map<K, V> loaded = callLoadAll(toLoad);
        for (K key : toLoad) {
          V value = loaded.get(key);
          if (value != null) {
            if (asRead) {
              statistics.recordLoads(1);
            }
            records.storeLoaded(key, keys.get(key), value, null);
            found.put(key, value);
          }
        }
      }
      return found;
    } finally {
      records.unlockAll(locked);
    }
  }

  // ------------------------------------------------------------------ loadAll

  /** {@code Cache.loadAll}: runs on the common pool and tells {@code listener} (if any) how it ended. */
  void loadAll(List<K> keys, boolean replaceExistingValues, CompletionListener listener) {
    CompletableFuture<Void> task = new CompletableFuture<>();
    pendingLoads.add(task);
    CompletableFuture.runAsync(() -> {
      try {
        loadAllNow(keys, replaceExistingValues);
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
    Map<K, Data> byKey = codec.keysData(keys);
    List<K> toLoad = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (Map.Entry<K, Data> e : byKey.entrySet()) {
      if (pendingChange(e.getValue()) == null
          && (replaceExistingValues || records.liveRecord(e.getValue(), now) == null)) {
        toLoad.add(e.getKey());
      }
    }
    if (toLoad.isEmpty() || closed.getAsBoolean()) {
      return;
    }
    Map<K, V> loaded = callLoadAll(toLoad);
    for (K key : toLoad) {
      V value = loaded.get(key);
      if (value == null || closed.getAsBoolean()) {
        continue;
      }
      Data k = byKey.get(key);
      records.withLock(k, () -> {
        long at = System.currentTimeMillis();
        CacheRecord existing = records.liveRecord(k, at);
        // A change not yet written (that came in while loading) wins over what the system of record had.
        boolean unwritten = existing != null && existing.isUnwritten() || pendingChange(k) != null;
        if ((existing == null || replaceExistingValues) && !unwritten) {
          records.storeLoaded(key, k, value, existing);
        }
        return null;
      });
    }
  }

  /** Waits (briefly) for the {@code loadAll} calls in flight, so that nothing calls a closed loader. */
  void awaitLoads() {
    for (CompletableFuture<?> load : pendingLoads) {
      try {
        load.get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        LOG.log(Level.WARNING, "A loadAll of cache " + cacheName + " was still running at close", e);
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  private Map<K, V> callLoadAll(Collection<K> keys) {
    try {
      Map<K, V> loaded = loader.loadAll(keys);
      return loaded == null ? Map.of() : loaded;
    } catch (Exception e) {
      throw loaderFailure(e, "keys " + keys);
    }
  }

  /** The one rule for a loader's exception: its own {@link CacheLoaderException}, or one naming the cache. */
  private CacheLoaderException loaderFailure(Exception e, String what) {
    return e instanceof CacheLoaderException cle ? cle
        : new CacheLoaderException("Load of cache " + cacheName + " failed for " + what, e);
  }

  /** The change of {@code k} write-behind has not yet written, or {@code null} (always without write-behind). */
  private PendingWrite pendingChange(Data k) {
    return writeBehind == null ? null : writeBehind.pendingFor(k);
  }

  private IMap<Object, LoadFailure> loadFailures() {
    IMap<Object, LoadFailure> failures = loadFailures;
    if (failures == null) {
      failures = hazelcast.getMap(CacheNames.loadFailuresName(records.map().getName()));
      loadFailures = failures;
    }
    return failures;
  }

  private long clusterTime() {
    return hazelcast.getCluster().getClusterTime();
  }
}
