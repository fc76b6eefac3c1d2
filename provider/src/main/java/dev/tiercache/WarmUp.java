package dev.tiercache;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.tiercache.cluster.CacheNames;
import dev.tiercache.config.WarmUpSettings;
import dev.tiercache.management.WarmUpProgress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Preloads a cache from its loader when it is created, once for the cluster: the first member to take
 * the cache's warm-up lock lists the keys of the key source and loads them through {@code loadAll}, a
 * batch at a time, on a thread of its own, while the cache serves reads (a key read before its batch
 * is loaded by that read, once). Keys already present, or with a change not yet written, are not
 * loaded over. When every key is loaded a mark in the cache's warm-up map tells members that open the
 * cache later that there is nothing to do; a member that finds the lock taken skips too. If the warming
 * member dies, its lock is released and the warm-up is not resumed: the cache fills by read-through.
 */
final class WarmUp<K> {

  private static final Logger LOG = Logger.getLogger(WarmUp.class.getName());
  private static final String LOCK = "lock";
  private static final String DONE = "done";
  /** How often progress is logged while warming. */
  private static final long LOG_EVERY_MILLIS = 10_000;

  /** Loads a batch of keys (skipping present ones); returns how many it stored. */
  interface BatchLoader<K> {
    int load(List<K> keys);
  }

  private final String cacheName;
  private final IMap<String, String> marks;
  private final String memberName;
  /** Made on the member that warms, once it holds the lock. */
  private final Supplier<Iterable<K>> keys;
  private final WarmUpSettings settings;
  private final BatchLoader<K> loader;
  private final BooleanSupplier closed;
  private final WarmUpProgress progress = new WarmUpProgress();

  private volatile Thread thread;

  WarmUp(String cacheName, HazelcastInstance hazelcast, String mapName, Supplier<Iterable<K>> keys,
      WarmUpSettings settings, BatchLoader<K> loader, BooleanSupplier closed) {
    this.cacheName = cacheName;
    this.marks = hazelcast.getMap(CacheNames.warmUpName(mapName));
    this.memberName = hazelcast.getCluster().getLocalMember().toString();
    this.keys = keys;
    this.settings = settings;
    this.loader = loader;
    this.closed = closed;
  }

  WarmUpProgress progress() {
    return progress;
  }

  /** Starts warming on a daemon thread of its own. */
  void start() {
    Thread warming = new Thread(this::run, "tiercache-warm-up-" + cacheName);
    warming.setDaemon(true);
    thread = warming;
    warming.start();
  }

  /** Waits (briefly) for the warm-up to see that the cache closed, so that it calls no closed loader. */
  void awaitStop(long millis) {
    Thread warming = thread;
    if (warming == null || warming == Thread.currentThread()) {
      return;
    }
    try {
      warming.join(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    try {
      String done = marks.get(DONE);
      if (done != null) {
        progress.finish(WarmUpProgress.State.SKIPPED, "warmed already: " + done);
        return;
      }
      if (!marks.tryLock(LOCK)) {
        progress.finish(WarmUpProgress.State.SKIPPED, "another member is warming it");
        return;
      }
    } catch (RuntimeException e) {
      progress.finish(WarmUpProgress.State.FAILED, e.toString());
      return;
    }
    try {
      warmLocked();
    } finally {
      try {
        marks.unlock(LOCK);
      } catch (RuntimeException e) {
        // the member stopped: its lock went with it
      }
    }
  }

  private void warmLocked() {
    if (marks.get(DONE) != null) { // finished by another member between our look and our lock
      progress.finish(WarmUpProgress.State.SKIPPED, "warmed already: " + marks.get(DONE));
      return;
    }
    progress.started();
    LOG.info("Warming cache " + cacheName + " from its key source, " + settings.batchSize() + " keys per batch");
    long nextLog = System.currentTimeMillis() + LOG_EVERY_MILLIS;
    try {
      Iterator<K> source = keys.get().iterator();
      List<K> batch = new ArrayList<>(settings.batchSize());
      while (source.hasNext()) {
        batch.add(source.next());
        if (batch.size() == settings.batchSize() || !source.hasNext()) {
          if (closed.getAsBoolean()) {
            progress.finish(WarmUpProgress.State.STOPPED, "the cache was closed");
            return;
          }
          progress.batchDone(batch.size(), loader.load(batch));
          batch = new ArrayList<>(settings.batchSize());
          if (System.currentTimeMillis() >= nextLog) {
            LOG.info("Warming cache " + cacheName + ": " + progress);
            nextLog = System.currentTimeMillis() + LOG_EVERY_MILLIS;
          }
        }
      }
      marks.set(DONE, memberName + " at " + java.time.Instant.now());
      progress.finish(WarmUpProgress.State.DONE, null);
      LOG.info("Warmed cache " + cacheName + ": " + progress);
    } catch (RuntimeException e) {
      if (closed.getAsBoolean()) {
        progress.finish(WarmUpProgress.State.STOPPED, "the cache was closed");
        return;
      }
      progress.finish(WarmUpProgress.State.FAILED, e.toString());
      LOG.log(Level.WARNING, "Warming cache " + cacheName + " failed after " + progress.getKeysLoaded()
          + " keys; the cache fills by read-through from here", e);
    }
  }
}
