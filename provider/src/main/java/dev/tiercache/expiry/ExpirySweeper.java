package dev.tiercache.expiry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Removes entries soon after they expire, so that EXPIRED events fire even for entries nobody reads
 * again (lazy-only expiry is a common complaint about other providers). Reads never return an expired
 * entry whatever the sweeper does; it only makes removal and the event timely.
 *
 * <p>Each cache keeps a queue of (expiry time, key) for the finite expiry times it has written; one
 * daemon thread per JVM looks at every open cache's queue {@link #TICK_MILLIS} times a second and hands
 * due keys back to the cache, which re-reads the entry under its lock and removes it only if it is
 * still expired (a later write may have moved its expiry). A key is queued once at its earliest known
 * expiry, so a hot key with access expiry does not grow the queue.
 *
 * @param <K> the cache's key handle (its serialized form)
 */
public final class ExpirySweeper<K> {

  /** How often due entries are looked for, in milliseconds. */
  public static final long TICK_MILLIS = 100;

  private static final Logger LOG = Logger.getLogger(ExpirySweeper.class.getName());
  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "tiercache-expiry-sweeper");
    thread.setDaemon(true);
    return thread;
  });
  private static final Map<ExpirySweeper<?>, Boolean> ACTIVE = new ConcurrentHashMap<>();

  static {
    TIMER.scheduleWithFixedDelay(ExpirySweeper::sweepAll, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  private final String cacheName;
  private final Function<K, Long> expireIfDue;
  private final Runnable beforeEachLook;
  private final PriorityBlockingQueue<Due<K>> queue = new PriorityBlockingQueue<>();
  private final Map<K, Long> scheduled = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();

  /**
   * @param expireIfDue removes the key if it is expired, and returns the expiry time to look again
   *     at ({@code null} if the key needs no more looking at)
   */
  public ExpirySweeper(String cacheName, Function<K, Long> expireIfDue) {
    this(cacheName, expireIfDue, () -> { });
  }

  /** As above; {@code beforeEachLook} runs on the sweeper's thread before it looks for due keys. */
  public ExpirySweeper(String cacheName, Function<K, Long> expireIfDue, Runnable beforeEachLook) {
    this.cacheName = cacheName;
    this.expireIfDue = expireIfDue;
    this.beforeEachLook = beforeEachLook;
    ACTIVE.put(this, Boolean.TRUE);
  }

  /** Looks at {@code key} again at {@code expiresAt} (milliseconds since the epoch). */
  public void schedule(K key, long expiresAt) {
    Long previous = scheduled.putIfAbsent(key, expiresAt);
    if (previous == null || expiresAt < previous) {
      if (previous != null) {
        scheduled.put(key, expiresAt);
      }
      queue.add(new Due<>(expiresAt, sequence.incrementAndGet(), key));
    }
  }

  /** Stops looking at this cache. */
  public void close() {
    ACTIVE.remove(this);
    queue.clear();
    scheduled.clear();
  }

  private static void sweepAll() {
    for (ExpirySweeper<?> sweeper : ACTIVE.keySet()) {
      try {
        sweeper.beforeEachLook.run();
        sweeper.sweep(System.currentTimeMillis());
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "Expiry sweep of cache " + sweeper.cacheName + " failed", e);
      }
    }
  }

  private void sweep(long now) {
    for (Due<K> due = queue.peek(); due != null && due.time <= now && ACTIVE.containsKey(this); due = queue.peek()) {
      queue.poll();
      if (!scheduled.remove(due.key, due.time)) {
        continue; // superseded by an earlier time for the same key
      }
      Long next = expireIfDue.apply(due.key);
      if (next != null) {
        schedule(due.key, next);
      }
    }
  }

  private record Due<K>(long time, long seq, K key) implements Comparable<Due<K>> {
    @Override
    public int compareTo(Due<K> other) {
      int byTime = Long.compare(time, other.time);
      return byTime != 0 ? byTime : Long.compare(seq, other.seq);
    }
  }
}
