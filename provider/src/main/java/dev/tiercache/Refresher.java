package dev.tiercache;

import com.hazelcast.internal.serialization.Data;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.cluster.PendingWrite;
import dev.tiercache.cluster.RefreshClaim;
import dev.tiercache.integration.WriteBehind;
import dev.tiercache.management.CacheStatistics;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.cache.integration.CacheLoader;

/**
 * Background reloads of a cache that refreshes ({@code RefreshSettings}): a read that finds a value
 * past its refresh time hands the key here and returns the value at once. The reload is one per
 * refresh, cluster-wide: this member asks the key's owner to claim it ({@link RefreshClaim}, which
 * succeeds for one reader of the version, on any member), without waiting for the answer; the member
 * whose claim succeeds reloads on its own threads (never a Hazelcast thread, never the reader's) and
 * stores the value under the key's lock only if the entry is still the version it claimed, so a write
 * or a remove that came meanwhile wins and a removed key is not brought back. A reload that fails keeps
 * the value, is counted, and is tried again by a read {@value #RETRY_DELAY_MILLIS} ms later; a claim
 * whose member died runs out after {@value #LEASE_MILLIS} ms. A claim and the stored reload each change
 * the record, so each drops the key from every member's near cache once (the next read there is an L2
 * read).
 *
 * <p>Only for caches whose expiry an access never moves (the policy is asked nothing on a read): an
 * access that moved expiry would change the record's version and every reload would be dropped as stale.
 */
final class Refresher<K, V> {

  private static final Logger LOG = Logger.getLogger(Refresher.class.getName());

  /** How long a claimed refresh is this member's alone: longer than any reload should take. */
  static final long LEASE_MILLIS = 30_000;
  /** How soon after a failed reload a read may claim the refresh again. */
  static final long RETRY_DELAY_MILLIS = 1_000;
  /** Reloads of one cache that run at once on this member; more wait in line. */
  private static final int THREADS = 4;
  /**
   * Reloads that may wait in line; past it a due read claims nothing (a later read will), so that no
   * claim waits in line longer than its lease and none is duplicated by another member.
   */
  private static final int QUEUE = 1_000;
  /** How long closing waits for the reloads in progress. */
  private static final long CLOSE_WAIT_SECONDS = 5;

  private final String cacheName;
  private final CacheLoader<K, V> loader;
  private final L2Records<K, V> records;
  private final CacheStatistics statistics;
  private final WriteBehind<K, V> writeBehind;
  /** Keys this member has asked to refresh and not finished with, so that a burst of reads asks once. */
  private final ConcurrentHashMap<Data, Boolean> inFlight = new ConcurrentHashMap<>();
  private final ThreadPoolExecutor reloads;
  private final BooleanSupplier closed;

  /** {@code writeBehind} is {@code null} unless the cache writes behind; {@code closed} says the cache is. */
  Refresher(String cacheName, CacheLoader<K, V> loader, L2Records<K, V> records, CacheStatistics statistics,
      WriteBehind<K, V> writeBehind, BooleanSupplier closed) {
    this.cacheName = cacheName;
    this.loader = loader;
    this.records = records;
    this.statistics = statistics;
    this.writeBehind = writeBehind;
    this.closed = closed;
    AtomicInteger threads = new AtomicInteger();
    this.reloads = new ThreadPoolExecutor(THREADS, THREADS, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(QUEUE),
        task -> {
          Thread thread = new Thread(task, "tiercache-refresh-" + cacheName + "-" + threads.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
    reloads.allowCoreThreadTimeOut(true);
  }

  /**
   * A read saw version {@code version} of {@code key} past its refresh time: reload it, unless another
   * does. Never fails the read: a refresh that cannot start now is left to a later read.
   */
  void request(K key, Data k, long version) {
    if (reloads.isShutdown() || reloads.getQueue().remainingCapacity() == 0
        || inFlight.putIfAbsent(k, Boolean.TRUE) != null) {
      return;
    }
    try {
      records.map().submitToKey(k, RefreshClaim.claim(version, LEASE_MILLIS)).toCompletableFuture()
          .whenCompleteAsync((claimed, failure) -> {
            try {
              if (failure == null && claimed) {
                reload(key, k, version);
              }
            } finally {
              inFlight.remove(k);
            }
          }, reloads);
    } catch (RuntimeException e) {
      inFlight.remove(k);
      LOG.log(Level.FINE, "Refresh of key " + key + " in cache " + cacheName + " not started", e);
    }
  }

  private void reload(K key, Data k, long version) {
    if (closed.getAsBoolean() || hasUnwrittenChange(k)) {
      return; // a change not yet written is newer than anything the system of record can answer
    }
    V value;
    try {
      value = loader.load(key);
    } catch (Exception e) {
      if (closed.getAsBoolean()) {
        return;
      }
      statistics.recordRefreshFailures(1);
      LOG.log(Level.FINE, "Refresh of key " + key + " in cache " + cacheName + " failed; the value stays", e);
      records.map().submitToKey(k, RefreshClaim.retryAt(version, RETRY_DELAY_MILLIS));
      return;
    }
    if (closed.getAsBoolean()) {
      return;
    }
    records.withLock(k, () -> {
      CacheRecord current = records.liveRecord(k, System.currentTimeMillis());
      if (current == null || current.version() != version || current.isUnwritten() || hasUnwrittenChange(k)) {
        return null; // changed, removed or expired meanwhile: what happened since wins
      }
      if (value == null) {
        records.expire(k, current); // the system of record has it no more
      } else {
        records.storeRefreshed(key, k, value, current);
      }
      statistics.recordRefreshes(1);
      return null;
    });
  }

  private boolean hasUnwrittenChange(Data k) {
    PendingWrite change = writeBehind == null ? null : writeBehind.pendingFor(k);
    return change != null;
  }

  /**
   * Stops reloading and waits (briefly) for the reloads in progress, so that none calls the loader after
   * the cache closed it; what a reload had not stored is dropped.
   */
  void close() {
    reloads.shutdownNow();
    try {
      if (!reloads.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
        LOG.warning("A refresh of cache " + cacheName + " was still running at close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
