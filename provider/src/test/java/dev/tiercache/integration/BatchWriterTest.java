package dev.tiercache.integration;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tiercache.cluster.PendingWrite;
import dev.tiercache.config.WriteBehindSettings;
import java.sql.SQLException;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link BatchWriter} against a fake {@link CacheWriter}, without Hazelcast or a database: what reaches
 * the writer, what counts as completed (and so may be dropped), what is dead-lettered, and the counters
 * and back-off.
 */
class BatchWriterTest {

  private static final long NOW = 1_000_000;
  /** Retries wait 100, 200, then at most 300 ms. */
  private static final WriteBehindSettings SETTINGS =
      new WriteBehindSettings(0, 100, 1_000, WriteBehindSettings.WhenFull.BLOCK, 300);

  private final FakeWriter writer = new FakeWriter();
  private final Map<Object, DeadLettered> deadLetters = new LinkedHashMap<>();
  private final AtomicLong clock = new AtomicLong(NOW);
  private final BatchWriter<String, String> batchWriter = new BatchWriter<>("test", writer,
      value -> new String(value, UTF_8), (key, value, error) -> deadLetters.put(key, new DeadLettered(value, error)),
      SETTINGS, clock::get);

  private record DeadLettered(byte[] value, String error) {}

  @Test
  void aBatchTheWriterTakesIsCompletedAndCounted() {
    List<Map.Entry<Object, PendingWrite>> batch = List.of(put("a", "1"), put("b", "2"), delete("c"));
    assertTrue(batchWriter.writeBatch(batch));
    assertEquals(Map.of("a", "1", "b", "2"), writer.rows);
    assertEquals(Set.of("c"), writer.deletedKeys);
    assertEquals(Set.of("a", "b", "c"), batchWriter.completed().keySet());
    for (Map.Entry<Object, PendingWrite> change : batch) {
      assertSame(change.getValue(), batchWriter.completed().get(change.getKey()), "the change as read");
    }
    assertEquals(2, batchWriter.written());
    assertEquals(1, batchWriter.deleted());
    assertEquals(1, batchWriter.batches());
    assertArrayEquals(new int[] {3}, batchWriter.recentBatchSizes());
    assertEquals(0, batchWriter.retries());
    assertEquals(0, batchWriter.nextAttemptAt());
    assertTrue(deadLetters.isEmpty());
  }

  @Test
  void deletesAreAppliedAfterTheWrites() {
    assertTrue(batchWriter.writeBatch(List.of(delete("c"), put("a", "1"), delete("d"), put("b", "2"))));
    assertEquals(List.of("writeAll [a, b]", "deleteAll [c, d]"), writer.calls);
  }

  @Test
  void aFailedWriteBatchStopsBeforeItsDeletes() {
    writer.outage = new CacheWriterException("connection refused");
    assertFalse(batchWriter.writeBatch(List.of(put("a", "1"), delete("c"))));
    assertEquals(List.of("writeAll [a]"), writer.calls);
    assertTrue(batchWriter.completed().isEmpty());
    assertEquals(0, batchWriter.deleted());
    assertEquals(1, batchWriter.retries());
  }

  @Test
  void anOutageAfterPartOfTheBatchCompletesExactlyThePartWrittenAndBacksOff() {
    writer.failAfter = 2;
    writer.outage = new CacheWriterException(new SQLException("connection lost", "08006"));
    assertFalse(batchWriter.writeBatch(List.of(put("a", "1"), put("b", "2"), put("c", "3"), put("d", "4"))));
    assertEquals(Set.of("a", "b"), batchWriter.completed().keySet());
    assertEquals(2, batchWriter.written());
    assertEquals(1, batchWriter.retries());
    assertEquals(NOW + 100, batchWriter.nextAttemptAt());
    assertEquals(List.of("writeAll [a, b, c, d]", "write c"), writer.calls,
        "the changes left are tried alone, and the first fails to connect: the writer is down, stop there");
    assertTrue(deadLetters.isEmpty());
    assertEquals(String.valueOf(writer.outage), batchWriter.lastError());
  }

  @Test
  void theWaitAfterAFailureDoublesUpToTheMaximumAndASuccessfulBatchStartsItOver() {
    writer.outage = new RuntimeException("database away");
    long[] expectedWaits = {100, 200, 300, 300};
    for (long wait : expectedWaits) {
      clock.addAndGet(1_000);
      assertFalse(batchWriter.writeBatch(List.of(put("a", "1"))));
      assertEquals(clock.get() + wait, batchWriter.nextAttemptAt());
    }
    assertEquals(4, batchWriter.retries());
    writer.outage = null;
    assertTrue(batchWriter.writeBatch(List.of(put("a", "1"))));
    assertEquals(0, batchWriter.nextAttemptAt(), "no failure waiting");
    batchWriter.completed().clear(); // the flush ends (Flusher.removeWritten); a new one begins
    writer.outage = new RuntimeException("database away again");
    assertFalse(batchWriter.writeBatch(List.of(put("a", "1"))));
    assertEquals(clock.get() + 100, batchWriter.nextAttemptAt(), "the wait starts over");
    assertEquals(5, batchWriter.retries());
  }

  @ParameterizedTest
  @ValueSource(strings = {"23514", "22001", "ClassCastException"})
  void aRejectedBatchIsTriedChangeByChangeAndWhatIsStillRejectedBecomesADeadLetter(String rejection) {
    writer.rejected = Set.of("b");
    writer.rejection = rejection;
    assertTrue(batchWriter.writeBatch(List.of(put("a", "1"), put("b", "poison"), put("c", "3"))));
    assertEquals(List.of("writeAll [a, b, c]", "write a", "write b", "write c"), writer.calls);
    assertEquals(Map.of("a", "1", "c", "3"), writer.rows);
    assertEquals(Set.of("a", "b", "c"), batchWriter.completed().keySet(), "the dead letter is dropped too");
    assertEquals(Set.of("b"), deadLetters.keySet());
    assertEquals("poison", new String(deadLetters.get("b").value(), UTF_8));
    assertEquals(String.valueOf(writer.rootCauseOf("b")), deadLetters.get("b").error(), "the root cause");
    assertEquals(2, batchWriter.written());
    assertEquals(1, batchWriter.deadLettered());
    assertEquals(0, batchWriter.retries());
    assertEquals(0, batchWriter.nextAttemptAt());
  }

  @Test
  void afterARejectionOnlyTheChangesTheWriterLeftAreTriedAlone() {
    writer.rejected = Set.of("b");
    writer.partial = true;
    assertTrue(batchWriter.writeBatch(List.of(put("a", "1"), put("b", "poison"), put("c", "3"))));
    assertEquals(List.of("writeAll [a, b, c]", "write b"), writer.calls);
    assertEquals(Set.of("a", "b", "c"), batchWriter.completed().keySet());
    assertEquals(Set.of("b"), deadLetters.keySet());
    assertEquals(2, batchWriter.written());
  }

  @Test
  void aRejectedDeleteBecomesADeadLetterWithoutValue() {
    writer.rejected = Set.of("y");
    assertTrue(batchWriter.writeBatch(List.of(delete("x"), delete("y"))));
    assertEquals(List.of("deleteAll [x, y]", "delete x", "delete y"), writer.calls);
    assertEquals(Set.of("x"), writer.deletedKeys);
    assertEquals(Set.of("x", "y"), batchWriter.completed().keySet());
    assertNull(deadLetters.get("y").value());
    assertEquals(1, batchWriter.deleted());
  }

  @Test
  void aChangeThatFailsAloneWhileOthersAreTakenIsRetriedNotDeadLettered() {
    writer.rejected = Set.of("b");
    writer.outageOn = "b"; // b fails alone with an error that is not about its data
    writer.outage = new CacheWriterException("connection refused");
    assertTrue(batchWriter.writeBatch(List.of(put("a", "1"), put("b", "poison"), put("c", "3"))));
    assertEquals(List.of("writeAll [a, b, c]", "write a", "write b", "write c"), writer.calls, "c still flows");
    assertEquals(Set.of("a", "c"), batchWriter.completed().keySet(), "b stays to be retried");
    assertTrue(deadLetters.isEmpty(), "one failed attempt of " + SETTINGS.maxAttempts());
    assertEquals(0, batchWriter.nextAttemptAt(), "the writer works: no wait");
  }

  @Test
  void anOutageWhileTryingChangesAloneStopsAfterThreeAndBacksOff() {
    assertTrue(batchWriter.writeBatch(List.of(put("x", "0")))); // the writer was up
    writer.calls.clear();
    writer.outage = new CacheWriterException("connection refused"); // then everything fails
    List<Map.Entry<Object, PendingWrite>> batch = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      batch.add(put("k" + i, "v"));
    }
    assertFalse(batchWriter.writeBatch(batch));
    assertEquals(List.of("writeAll [k0, k1, k2, k3, k4, k5, k6, k7, k8, k9]", "write k0", "write k1", "write k2"),
        writer.calls, "three tried alone, none taken: the writer is down");
    assertEquals(Set.of("x"), batchWriter.completed().keySet());
    assertTrue(deadLetters.isEmpty(), "an outage dead-letters nothing");
    assertEquals(1, batchWriter.retries());
    assertEquals(NOW + 100, batchWriter.nextAttemptAt());
  }

  @Test
  void aChangeLeftAloneByAPartlyTakenBatchCountsAnAttemptButAConnectionFailureNever() {
    BatchWriter<String, String> threeTries = new BatchWriter<>("test", writer, value -> new String(value, UTF_8),
        (key, value, error) -> deadLetters.put(key, new DeadLettered(value, error)), SETTINGS.withMaxAttempts(1),
        clock::get);
    writer.failAfter = 2; // the writer takes a and b, then fails on c, which is then tried alone and fails
    writer.outage = new CacheWriterException("deadlock detected");
    writer.outageOn = null;
    assertTrue(threeTries.writeBatch(List.of(put("a", "1"), put("b", "2"), put("c", "3"))));
    assertEquals(Set.of("a", "b", "c"), threeTries.completed().keySet(), "c, one attempt of 1: a dead letter");
    assertEquals(Set.of("c"), deadLetters.keySet());

    deadLetters.clear();
    threeTries.completed().clear();
    writer.outage = new CacheWriterException(new SQLException("connection reset", "08006"));
    assertFalse(threeTries.writeBatch(List.of(put("d", "4"), put("e", "5"), put("f", "6"))));
    assertEquals(Set.of("d", "e"), threeTries.completed().keySet());
    assertTrue(deadLetters.isEmpty(), "the database went away: f counts no attempt");
    assertEquals(NOW + 100, threeTries.nextAttemptAt());
  }

  /**
   * The measured stall: one key the writer throws on (not a data error) failed every batch it was in, forever.
   * Now it is tried alone while the others go in batches, and after max-attempts (3 here) it is a dead letter.
   */
  @Test
  void aPoisonRecordIsTriedAloneWhileTheOthersFlowAndBecomesADeadLetterAfterMaxAttempts() {
    BatchWriter<String, String> threeTries = new BatchWriter<>("test", writer, value -> new String(value, UTF_8),
        (key, value, error) -> deadLetters.put(key, new DeadLettered(value, error)), SETTINGS.withMaxAttempts(3),
        clock::get);
    writer.poison = Set.of("p");
    assertTrue(threeTries.writeBatch(List.of(put("a", "1"), put("p", "x"), put("c", "3"))));
    assertEquals(List.of("writeAll [a, p, c]", "write a", "write p", "write c"), writer.calls);
    assertEquals(Set.of("a", "c"), threeTries.completed().keySet());
    threeTries.completed().clear();
    writer.calls.clear();

    assertTrue(threeTries.writeBatch(List.of(put("d", "4"), put("p", "x"), put("e", "5"))));
    assertEquals(List.of("writeAll [d, e]", "write p"), writer.calls, "the suspect is kept out of the batch");
    assertEquals(Set.of("d", "e"), threeTries.completed().keySet());
    threeTries.completed().clear();

    writer.outage = new CacheWriterException("connection refused");
    assertFalse(threeTries.writeBatch(List.of(put("p", "x"))), "alone in its round, and it fails: maybe an outage");
    writer.outage = null;
    assertTrue(deadLetters.isEmpty(), "a round with nothing taken counts no attempt");
    clock.addAndGet(1_000);

    assertTrue(threeTries.writeBatch(List.of(put("f", "6"), put("p", "x"))));
    assertEquals(Map.of("a", "1", "c", "3", "d", "4", "e", "5", "f", "6"), writer.rows, "every other change written");
    assertEquals(Set.of("p"), deadLetters.keySet(), "third failure while others flowed");
    assertTrue(deadLetters.get("p").error().contains("failed 3 times"), deadLetters.get("p").error());
    assertTrue(threeTries.completed().containsKey("p"), "dropped from the backlog, kept as a dead letter");
    assertEquals(1, threeTries.deadLettered());
  }

  @Test
  void rejectionsAreDataErrorsAndClassCastsAnywhereInTheCauseChain() {
    assertTrue(BatchWriter.isRejection(new CacheWriterException(new SQLException("check", "23514"))));
    assertTrue(BatchWriter.isRejection(new SQLException("too long", "22001")));
    assertTrue(BatchWriter.isRejection(new RuntimeException(new CacheWriterException(new ClassCastException()))));
    assertFalse(BatchWriter.isRejection(new CacheWriterException(new SQLException("connection lost", "08006"))));
    assertFalse(BatchWriter.isRejection(new SQLException("no state")));
    assertFalse(BatchWriter.isRejection(new RuntimeException("plain")));
  }

  private static Map.Entry<Object, PendingWrite> put(String key, String value) {
    return change(key, value.getBytes(UTF_8));
  }

  private static Map.Entry<Object, PendingWrite> delete(String key) {
    return change(key, null);
  }

  /** A change as the pending map holds it, recorded the way the cache records one. */
  private static Map.Entry<Object, PendingWrite> change(String key, byte[] value) {
    Map.Entry<Object, PendingWrite> entry = new AbstractMap.SimpleEntry<>(key, null);
    PendingWrite.record(value, NOW).process(entry);
    return entry;
  }

  /**
   * A system of record: writes what it is given, rejects the keys in {@link #rejected} (a whole batch
   * rolls back, unless {@link #partial}), and fails with {@link #outage} when it is set (after
   * {@link #failAfter} entries of a batch, or only when {@link #outageOn} is written alone).
   */
  private static final class FakeWriter implements CacheWriter<String, String> {
    final List<String> calls = new ArrayList<>();
    final Map<String, String> rows = new LinkedHashMap<>();
    final Set<String> deletedKeys = new HashSet<>();
    Set<String> rejected = Set.of();
    String rejection = "23514";
    boolean partial;
    RuntimeException outage;
    int failAfter;
    String outageOn;
    /** Keys the writer fails on with an error that is not about the data (a poison record). */
    Set<String> poison = Set.of();
    private final Map<String, Throwable> rootCauses = new LinkedHashMap<>();

    Throwable rootCauseOf(String key) {
      return rootCauses.get(key);
    }

    private RuntimeException rejectionOf(String key) {
      Throwable root = rejection.equals("ClassCastException")
          ? new ClassCastException("not a " + key) : new SQLException("rejected " + key, rejection);
      rootCauses.put(key, root);
      return new CacheWriterException(new RuntimeException(root));
    }

    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {
      calls.add("write " + entry.getKey());
      one(entry.getKey());
      rows.put(entry.getKey(), entry.getValue());
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      List<String> keys = new ArrayList<>();
      entries.forEach(e -> keys.add(e.getKey()));
      calls.add("writeAll " + keys);
      all(entries, Cache.Entry::getKey, e -> rows.put(e.getKey(), e.getValue()));
    }

    @Override
    public void delete(Object key) {
      calls.add("delete " + key);
      one((String) key);
      deletedKeys.add((String) key);
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      calls.add("deleteAll " + keys);
      all(keys, k -> (String) k, k -> deletedKeys.add((String) k));
    }

    private void one(String key) {
      if (outage != null && (outageOn == null || outageOn.equals(key))) {
        throw outage;
      }
      if (poison.contains(key)) {
        throw new IllegalStateException("cannot write " + key);
      }
      if (rejected.contains(key)) {
        throw rejectionOf(key);
      }
    }

    /** As {@link CacheWriter#writeAll} specifies: what was not written is left in the collection. */
    private <T> void all(Collection<T> items, Function<T, String> keyOf, Consumer<T> apply) {
      if (outage != null && outageOn == null) {
        Iterator<T> it = items.iterator();
        for (int i = 0; i < failAfter && it.hasNext(); i++) {
          apply.accept(it.next());
          it.remove();
        }
        throw outage;
      }
      for (T item : items) {
        if (poison.contains(keyOf.apply(item))) {
          throw new IllegalStateException("cannot write " + keyOf.apply(item)); // the whole batch fails
        }
      }
      String firstRejected = null;
      for (T item : items) {
        if (rejected.contains(keyOf.apply(item)) && firstRejected == null) {
          firstRejected = keyOf.apply(item);
        }
      }
      if (firstRejected == null) {
        items.forEach(apply);
        return;
      }
      if (partial) {
        items.removeIf(item -> {
          boolean ok = !rejected.contains(keyOf.apply(item));
          if (ok) {
            apply.accept(item);
          }
          return ok;
        });
      }
      throw rejectionOf(firstRejected);
    }
  }
}
