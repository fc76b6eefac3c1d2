package dev.tiercache.integration;

import dev.tiercache.cluster.PendingWrite;
import dev.tiercache.config.WriteBehindSettings;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;

/**
 * Hands a flush's due changes to the cache writer, one batch at a time. A change is noted
 * {@linkplain #completed() completed}, and so may be dropped from the backlog, only once the writer has
 * taken it, or once it went to the dead-letter sink: at once if the writer rejected its data alone too,
 * or after {@code max-attempts} failures alone in rounds where the writer took other changes (a poison
 * record: it is tried alone meanwhile, so it never holds the batches up). A failure with nothing taken
 * is an outage: every change stays, counting nothing, and the next try waits, the wait doubling from
 * 100 ms up to the configured maximum and starting over once the writer takes a batch.
 *
 * <p>Used by one flush at a time (under the flush lock, {@link Flusher}); the counters may be read from
 * any thread.
 */
final class BatchWriter<K, V> {

  /** Where a change the writer rejects even alone goes, with its error: kept, never dropped. */
  @FunctionalInterface
  interface DeadLetterSink {
    void deadLetter(Object key, byte[] value, String error);
  }

  // The facade's logger name, so that logging configured for write-behind still applies.
  private static final Logger LOG = Logger.getLogger(WriteBehind.class.getName());
  private static final long FIRST_RETRY_DELAY_MILLIS = 100;
  private static final int RECENT_BATCHES = 4096;
  /** How many failed changes are tried alone, with none taken, before the writer is taken to be down. */
  private static final int OUTAGE_PROBES = 3;

  private final String cacheName;
  private final CacheWriter<K, V> writer;
  /** A change's value, serialized as the pending map and the records hold it, as the writer takes it. */
  private final Function<byte[], ? extends V> values;
  private final DeadLetterSink deadLetters;
  private final WriteBehindSettings settings;
  /** Wall-clock milliseconds, for when to try again. */
  private final LongSupplier clock;

  private final LongAdder written = new LongAdder();
  private final LongAdder deleted = new LongAdder();
  private final LongAdder batches = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder deadLettered = new LongAdder();
  private final int[] recentBatchSizes = new int[RECENT_BATCHES];
  private final AtomicLong batchCount = new AtomicLong();
  private volatile String lastError = "";
  private volatile long nextAttemptAt;
  private long retryDelay = FIRST_RETRY_DELAY_MILLIS;
  /** Changes handed to the writer successfully (or dead-lettered) since the flush last took them, by key. */
  private final Map<Object, PendingWrite> completed = new HashMap<>();
  /** Failed attempts of changes that failed alone while the writer took others (suspects), by key. */
  private final Map<Object, Integer> attempts = new HashMap<>();

  BatchWriter(String cacheName, CacheWriter<K, V> writer, Function<byte[], ? extends V> values,
      DeadLetterSink deadLetters, WriteBehindSettings settings, LongSupplier clock) {
    this.cacheName = cacheName;
    this.writer = writer;
    this.values = values;
    this.deadLetters = deadLetters;
    this.settings = settings;
    this.clock = clock;
  }

  /**
   * The changes completed since the map was last cleared, by key: the flush drops them from the
   * backlog, then clears the map.
   */
  Map<Object, PendingWrite> completed() {
    return completed;
  }

  /**
   * One batch: writes first, then deletes (distinct keys, so their order does not matter). Changes that
   * failed alone before (suspects) are left out of the batch and tried alone after it, so that a change
   * the writer cannot take costs the batch nothing. Returns whether the round may go on: {@code false}
   * after an outage (nothing taken), the flusher then waits.
   */
  boolean writeBatch(List<Map.Entry<Object, PendingWrite>> batch) {
    Map<Object, PendingWrite> writes = new LinkedHashMap<>();
    Map<Object, PendingWrite> deletes = new LinkedHashMap<>();
    Map<Object, PendingWrite> suspects = new LinkedHashMap<>();
    for (Map.Entry<Object, PendingWrite> e : batch) {
      Map<Object, PendingWrite> group = attempts.containsKey(e.getKey()) ? suspects
          : e.getValue().isDelete() ? deletes : writes;
      group.put(e.getKey(), e.getValue());
    }
    recordBatchSize(batch.size());
    boolean ok = true;
    if (!writes.isEmpty()) {
      ok = apply(writes, false);
    }
    if (ok && !deletes.isEmpty()) {
      ok = apply(deletes, true);
    }
    if (ok && !suspects.isEmpty()) {
      ok = alone(suspects, suspects.keySet(), null);
    }
    if (ok) {
      retryDelay = FIRST_RETRY_DELAY_MILLIS;
      nextAttemptAt = 0;
    }
    return ok;
  }

  /** Hands the changes to the writer; notes as completed exactly those it took. */
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
      if (failed.size() == 1 && !isRejection(e)) {
        // One change failed alone: it was its own probe. Whose fault it is, what else was taken tells.
        return alone(changes, failed, e);
      }
      return alone(changes, failed, null);
    }
    completed(changes, Set.of(), delete);
    return true;
  }

  /**
   * Tries the failed changes of a batch one by one, or a batch's suspects. A rejection of the data
   * dead-letters the change at once; any other failure is a failed attempt, which counts only once the
   * writer has taken some change in this flush (else it may be down), and never for
   * a connection failure (SQL state class 08), which stops the round as an outage: the
   * change becomes a suspect, and at {@code max-attempts} a dead letter. If the first
   * {@value #OUTAGE_PROBES} tried here all fail, the writer is taken to be down now: the round stops,
   * counting nothing, and waits. {@code alreadyFailed}: the failure of a change that was
   * alone in its batch (not tried again).
   */
  private boolean alone(Map<Object, PendingWrite> changes, Set<Object> keys, RuntimeException alreadyFailed) {
    Map<Object, RuntimeException> failures = new LinkedHashMap<>();
    RuntimeException outage = alreadyFailed;
    // Anything taken in this flush so far (earlier batches, the rest of this one) shows the writer works.
    boolean writerWorks = !completed.isEmpty();
    int takenHere = 0;
    for (Object key : keys) {
      if (takenHere == 0 && failures.size() >= OUTAGE_PROBES) {
        writerWorks = false; // several in a row fail and none is taken: down now, whatever it took before
        break;
      }
      PendingWrite change = changes.get(key);
      boolean delete = change.isDelete();
      try {
        if (alreadyFailed != null) {
          throw alreadyFailed;
        }
        if (delete) {
          writer.delete(key);
        } else {
          writer.write(entryOf(key, change));
        }
        completed(Map.of(key, change), Set.of(), delete);
        attempts.remove(key);
        writerWorks = true;
        takenHere++;
      } catch (RuntimeException e) {
        lastError = String.valueOf(e);
        if (isRejection(e)) { // an answer about the data: the writer is up
          deadLetter(key, change, String.valueOf(rootCause(e)), "the system of record rejected it for good");
          writerWorks = true;
          continue;
        }
        failures.put(key, e);
        outage = e;
        if (isConnectionFailure(e)) {
          writerWorks = false; // the system of record is unreachable now, whatever it took before
          break;
        }
      }
    }
    if (failures.isEmpty()) {
      return true;
    }
    if (!writerWorks) {
      retries.increment();
      backOff(outage);
      return false;
    }
    failures.forEach((key, e) -> {
      int tries = attempts.merge(key, 1, Integer::sum);
      if (tries >= settings.maxAttempts()) {
        deadLetter(key, changes.get(key), "failed " + tries + " times while the writer took other changes: "
            + rootCause(e), "it failed " + tries + " times alone while the writer took other changes");
      } else {
        LOG.warning("Write-behind of cache " + cacheName + ": the change of key " + key + " failed alone ("
            + tries + " of " + settings.maxAttempts() + " attempts) while the writer took others; it is tried "
            + "again alone: " + e);
      }
    });
    return true; // the others flowed; the suspects wait for the next round
  }

  /**
   * Keeps {@code change} as a dead letter with {@code error} and counts it completed: it is dropped from
   * the backlog. {@code why} is for the log.
   */
  private void deadLetter(Object key, PendingWrite change, String error, String why) {
    deadLetters.deadLetter(key, change.value(), error);
    completed.put(key, change);
    attempts.remove(key);
    deadLettered.increment();
    LOG.warning("Write-behind of cache " + cacheName + ": " + why + ", so the change of key " + key
        + " is kept as a dead letter: " + error);
  }

  /** Notes the changes the writer took, for the flush to drop when it ends. */
  private void completed(Map<Object, PendingWrite> changes, Set<Object> failed, boolean delete) {
    int before = completed.size();
    changes.forEach((key, change) -> {
      if (!failed.contains(key)) {
        completed.put(key, change);
      }
    });
    (delete ? deleted : written).add(completed.size() - before);
  }

  private void backOff(RuntimeException e) {
    nextAttemptAt = clock.getAsLong() + retryDelay;
    LOG.log(Level.WARNING, "Write-behind of cache " + cacheName + " failed; retrying in " + retryDelay
        + " ms, nothing is dropped: " + e);
    retryDelay = Math.min(settings.maxRetryDelayMillis(), retryDelay * 2);
  }

  /** Whether the failure says the system of record cannot be reached (SQL state class 08): never a change's fault. */
  static boolean isConnectionFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08")) {
        return true;
      }
    }
    return false;
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
    return new Change<>((K) key, values.apply(change.value()));
  }

  private static Set<Object> keysOf(Collection<?> remaining, boolean delete) {
    Set<Object> keys = new LinkedHashSet<>(); // the batch's order: tried alone in it
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

  private static Throwable rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  /** A change handed to the writer. */
  private record Change<K, V>(K getKey, V getValue) implements Cache.Entry<K, V> {
    @Override
    public <T> T unwrap(Class<T> clazz) {
      throw new IllegalArgumentException("A write-behind entry cannot be unwrapped to " + clazz.getName());
    }
  }

  // ------------------------------------------------------------------ state and counters

  /** Wall-clock time before which the flusher does not try again (0: no failure waiting). */
  long nextAttemptAt() {
    return nextAttemptAt;
  }

  /** How long the flusher waits after the next failure. */
  long retryDelay() {
    return retryDelay;
  }

  String lastError() {
    return lastError;
  }

  long written() {
    return written.sum();
  }

  long deleted() {
    return deleted.sum();
  }

  long batches() {
    return batches.sum();
  }

  long retries() {
    return retries.sum();
  }

  /** Changes this member has dead-lettered (the cluster-wide count is the dead-letter map's size). */
  long deadLettered() {
    return deadLettered.sum();
  }

  /** Sizes of the most recent batches (up to 4,096), oldest first. */
  int[] recentBatchSizes() {
    long n = batchCount.get();
    int count = (int) Math.min(n, RECENT_BATCHES);
    int[] sizes = new int[count];
    for (int i = 0; i < count; i++) {
      sizes[i] = recentBatchSizes[(int) ((n - count + i) % RECENT_BATCHES)];
    }
    return sizes;
  }
}
