package dev.tiercache.nearcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.nearcache.NearCacheRepair.Check;
import dev.tiercache.nearcache.NearCacheRepair.Reason;
import dev.tiercache.nearcache.NearCacheRepair.Stale;
import dev.tiercache.nearcache.NearCacheRepair.Versions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The repair's choice of entries, without a cluster: L1 is a plain concurrent map, and L2's answer is
 * a stand-in for the Hazelcast read, so each test says exactly what L2 answered.
 */
class NearCacheRepairTest {

  private static final long INTERVAL_MILLIS = 50;
  private static final long PAST = 1; // epoch ms: long expired

  private final SerializationService serialization = new DefaultSerializationServiceBuilder().build();
  private final ConcurrentMap<Object, Object> l1 = new ConcurrentHashMap<>();
  /** The keys (serialized) and the small-values flag of each question the repair asked L2. */
  private final List<Set<Object>> asked = new ArrayList<>();
  private final List<Boolean> askedSmall = new ArrayList<>();

  private NearCache.Entry entry(String key, long version, long expiresAt, int valueBytes) {
    NearCache.Entry entry = new NearCache.Entry(serialization.toData(key),
        new CacheRecord(new byte[valueBytes], expiresAt, version), NearCache.Entry.SHARED, "v", null, serialization);
    l1.put(key, entry);
    return entry;
  }

  private NearCache.Entry entry(String key, long version) {
    return entry(key, version, CacheRecord.ETERNAL, 10);
  }

  /** A repair whose L2 answers with {@code answer}, recording what it was asked. */
  private NearCacheRepair repair(CompletableFuture<Map<Object, Long>> answer) {
    return repair((keys, small) -> answer);
  }

  private NearCacheRepair repair(Versions l2) {
    return new NearCacheRepair("test", l1, (keys, small) -> {
      asked.add(Set.copyOf(keys));
      askedSmall.add(small);
      return l2.of(keys, small);
    }, INTERVAL_MILLIS);
  }

  private static CompletableFuture<Map<Object, Long>> answers(Map<Object, Long> versions) {
    return CompletableFuture.completedFuture(versions);
  }

  private Data data(String key) {
    return serialization.toData(key);
  }

  @Test
  void anExpiredEntryIsDroppedWithoutAskingL2() {
    entry("old", 7, PAST, 10);
    NearCacheRepair repair = repair((keys, small) -> {
      throw new AssertionError("L2 asked with nothing live in L1");
    });
    assertEquals(1, repair.repairNow());
    assertFalse(l1.containsKey("old"));
    assertEquals(0, repair.repaired(), "an expired entry is not a repaired one");
    assertEquals(List.of(), asked);

    entry("old", 7, PAST, 10);
    entry("live", 3);
    NearCacheRepair withLive = repair(answers(Map.of("live", 3L)));
    assertEquals(1, withLive.repairNow());
    assertEquals(List.of(Set.of(data("live"))), asked, "only the live key is asked about");
    assertTrue(l1.containsKey("live"));
  }

  @Test
  void anEntryWhoseVersionL2AnswersTheSameIsKept() {
    NearCache.Entry kept = entry("k", 7);
    NearCacheRepair repair = repair(answers(Map.of("k", 7L)));
    assertEquals(0, repair.repairNow());
    assertSame(kept, l1.get("k"));
    assertEquals(0, repair.repaired());
  }

  @Test
  void anEntryWhoseVersionDiffersIsDroppedAndCountedAsRepaired() {
    assertOneRepaired("k", Map.of("k", 8L, "kept", 2L));
  }

  @Test
  void anEntryWhoseKeyL2NoLongerHoldsIsDropped() {
    assertOneRepaired("gone", Map.of("kept", 2L));
  }

  /** L1 holds {@code stale} at version 7 and "kept" at version 2; L2 answers {@code answer}. */
  private void assertOneRepaired(String stale, Map<Object, Long> answer) {
    entry(stale, 7);
    entry("kept", 2);
    NearCacheRepair repair = repair(answers(answer));
    assertEquals(1, repair.repairNow());
    assertFalse(l1.containsKey(stale));
    assertTrue(l1.containsKey("kept"));
    assertEquals(1, repair.repaired());
  }

  @Test
  void whenTheVersionReadFailsEveryEntryItCoveredIsDropped() {
    for (Versions failing : List.<Versions>of(
        (keys, small) -> CompletableFuture.failedFuture(new IllegalStateException("owner gone")),
        (keys, small) -> {
          throw new IllegalStateException("member stopping"); // thrown, not in the future
        })) {
      entry("a", 1);
      entry("b", 2);
      NearCacheRepair repair = repair(failing);
      assertEquals(2, repair.repairNow());
      assertEquals(Map.of(), l1);
      assertEquals(2, repair.repaired());
    }
  }

  @Test
  @Timeout(10) // a repair that waits without bound fails rather than hangs
  void whenTheVersionReadDoesNotAnswerWithinTheIntervalEveryEntryItCoveredIsDropped() {
    entry("a", 1);
    entry("b", 2);
    NearCacheRepair repair = repair(new CompletableFuture<>()); // never answers
    long start = System.nanoTime();
    assertEquals(2, repair.repairNow());
    long waitedMillis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(waitedMillis >= INTERVAL_MILLIS, "waited one interval for the answer: " + waitedMillis + " ms");
    assertEquals(Map.of(), l1);
    assertEquals(2, repair.repaired());
  }

  @Test
  void anEntryReplacedInL1WhileTheRepairRanIsNotDropped() {
    entry("k", 7);
    entry("r", 3);
    NearCache.Entry[] newer = new NearCache.Entry[1];
    Object reservation = new Object(); // what NearCache.reserve puts: anything but an Entry
    NearCacheRepair repair = repair((keys, small) -> {
      // While L2 is asked: a change of k is read again, and r is invalidated and reserved again.
      newer[0] = entry("k", 8);
      l1.put("r", reservation);
      return answers(Map.of("k", 8L)); // k's old version differs, r is gone: both were stale
    });
    assertEquals(0, repair.repairNow());
    assertSame(newer[0], l1.get("k"), "the newer value stays");
    assertSame(reservation, l1.get("r"), "the newer reservation stays");
    assertEquals(0, repair.repaired());
  }

  @Test
  void valuesUpTo512BytesOnAverageAreReadWholeLargerOnesAsVersions() {
    entry("a", 1, CacheRecord.ETERNAL, 500);
    entry("b", 1, CacheRecord.ETERNAL, 524);
    entry("expired", 1, PAST, 100_000); // dropped first, weighs nothing
    NearCacheRepair repair = repair(answers(Map.of("a", 1L, "b", 1L, "c", 1L)));
    repair.repairNow();
    entry("c", 1, CacheRecord.ETERNAL, 515); // (500 + 524 + 515) / 3 = 513
    repair.repairNow();
    assertEquals(List.of(true, false), askedSmall);
  }

  @Test
  void theCheckSaysWhyEachEntryIsDropped() {
    NearCache.Entry expired = entry("expired", 1, PAST, 10);
    NearCache.Entry same = entry("same", 1);
    NearCache.Entry differs = entry("differs", 1);
    NearCache.Entry gone = entry("gone", 1);
    l1.put("reserved", new Object());
    Check check = Check.of(l1, System.currentTimeMillis());
    assertEquals(List.of(new Stale("expired", expired, Reason.EXPIRED)), check.expired());
    assertEquals(Set.of(data("same"), data("differs"), data("gone")), check.keys(), "no reservation is asked about");

    Map<Object, Long> answer = new HashMap<>(Map.of("same", 1L, "differs", 2L));
    assertEquals(Set.of(new Stale("differs", differs, Reason.VERSION_DIFFERS), new Stale("gone", gone,
        Reason.GONE_FROM_L2)), Set.copyOf(check.stale(answer)));
    assertEquals(Set.of(new Stale("same", same, Reason.CHECK_FAILED), new Stale("differs", differs,
        Reason.CHECK_FAILED), new Stale("gone", gone, Reason.CHECK_FAILED)), Set.copyOf(check.stale(null)));
  }
}
