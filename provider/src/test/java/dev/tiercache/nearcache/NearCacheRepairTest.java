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
import dev.tiercache.nearcache.PartitionSequences.Owner;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.BitSet;
import java.util.Set;
import java.util.UUID;
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
  /** Every entry of these tests is in partition 3 of 4. */
  private static final int PARTITION = 3;

  private final SerializationService serialization = new DefaultSerializationServiceBuilder().build();
  private static final int PARTITIONS = 4;
  private final ConcurrentMap<Object, Object> l1 = new ConcurrentHashMap<>();
  private final PartitionSequences sequences = new PartitionSequences(PARTITIONS);
  /** The keys (serialized) and the small-values flag of each question the repair asked L2. */
  private final List<Set<Object>> asked = new ArrayList<>();
  private final List<Boolean> askedSmall = new ArrayList<>();

  private NearCache.Entry entry(String key, long version, long expiresAt, int valueBytes) {
    NearCache.Entry entry = new NearCache.Entry(serialization.toData(key), PARTITION,
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

  /** A repair whose owners answer with a new history each time, so that it verifies every entry each time. */
  private NearCacheRepair repair(Versions l2) {
    return repair(timeout -> owners(UUID.randomUUID(), 0), l2);
  }

  private NearCacheRepair repair(NearCacheRepair.Owners owners, Versions l2) {
    return new NearCacheRepair("test", l1, sequences, owners, (keys, small) -> {
      asked.add(Set.copyOf(keys));
      askedSmall.add(small);
      return l2.of(keys, small);
    }, INTERVAL_MILLIS);
  }

  /** Every partition's owner answering {@code uuid} and {@code sequence}. */
  private static Map<Integer, Owner> owners(UUID uuid, long sequence) {
    Map<Integer, Owner> owners = new HashMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      owners.put(p, new Owner(uuid, sequence));
    }
    return owners;
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
    Object reservation = new NearCache.Reservation("r", PARTITION);
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
    NearCache.Reservation reserved = new NearCache.Reservation("reserved", PARTITION);
    l1.put("reserved", reserved);
    l1.put("elsewhere", new NearCache.Reservation("elsewhere", PARTITION - 1));
    BitSet partitions = new BitSet();
    partitions.set(PARTITION);
    Check check = Check.of(l1, System.currentTimeMillis(), partitions);
    assertEquals(Map.of("reserved", reserved), check.reservations(), "the reservations of the partition");
    assertEquals(List.of(new Stale("expired", expired, Reason.EXPIRED)), check.expired());
    assertEquals(Set.of(data("same"), data("differs"), data("gone")), check.keys(), "no reservation is asked about");

    Map<Object, Long> answer = new HashMap<>(Map.of("same", 1L, "differs", 2L));
    assertEquals(Set.of(new Stale("differs", differs, Reason.VERSION_DIFFERS), new Stale("gone", gone,
        Reason.GONE_FROM_L2)), Set.copyOf(check.stale(answer)));
    assertEquals(Set.of(new Stale("same", same, Reason.CHECK_FAILED), new Stale("differs", differs,
        Reason.CHECK_FAILED), new Stale("gone", gone, Reason.CHECK_FAILED)), Set.copyOf(check.stale(null)));
  }

  // ------------------------------------------------------------------ which partitions a repair verifies

  private final UUID history = UUID.randomUUID();
  /** What the owners answer in the tests below; a test changes it between repairs. */
  private Map<Integer, Owner> ownersSay = owners(history, 5);

  /** What L2 answers in the tests below, by key. */
  private Map<Object, Long> l2Says = Map.of();

  private NearCacheRepair watching(Map<Object, Long> l2) {
    l2Says = l2;
    return repair(timeout -> ownersSay, (keys, small) -> answers(l2Says));
  }

  @Test
  void whereNoInvalidationWasLostTheRepairAsksL2Nothing() {
    entry("k", 7);
    NearCacheRepair repair = watching(Map.of("k", 7L));
    assertEquals(0, repair.repairNow());
    assertEquals(1, asked.size(), "the first repair verifies: it knows no history yet");
    sequences.heard(PARTITION, history, 6);
    ownersSay = owners(history, 6);
    for (int i = 0; i < 5; i++) {
      assertEquals(0, repair.repairNow());
    }
    assertEquals(1, asked.size(), "every change was heard: nothing to verify");
    assertEquals(1, repair.verified());
  }

  @Test
  void aLostLastInvalidationIsFoundByTheSecondRepairAfterIt() {
    entry("k", 7);
    NearCacheRepair repair = watching(Map.of("k", 7L));
    repair.repairNow(); // the first: verifies, and learns number 5
    ownersSay = owners(history, 6); // k changed (number 6); its invalidation never came
    l2Says = Map.of("k", 8L);
    assertEquals(0, repair.repairNow(), "the first repair after the change only reads its number");
    assertEquals(1, repair.repairNow(), "the next one finds nothing heard up to it, and verifies");
    assertFalse(l1.containsKey("k"));
  }

  @Test
  void aSkippedNumberIsFoundByTheNextRepair() {
    NearCacheRepair repair = watching(Map.of("k", 9L));
    repair.repairNow();
    entry("k", 7);
    sequences.heard(PARTITION, history, 7); // number 6 never came
    ownersSay = owners(history, 7);
    assertEquals(1, repair.repairNow());
    assertFalse(l1.containsKey("k"));
    assertEquals(0, repair.repairNow(), "verified up to 7: nothing left to look at");
  }

  @Test
  void aNewHistoryOrAnOwnerThatDoesNotAnswerVerifiesThePartition() {
    NearCacheRepair repair = watching(Map.of("k", 9L));
    repair.repairNow();
    entry("k", 7);
    ownersSay = owners(UUID.randomUUID(), 1); // a backup promoted: its own history
    assertEquals(1, repair.repairNow());
    entry("k", 7);
    ownersSay = Map.of(); // nobody answered
    assertEquals(1, repair.repairNow());
  }

  @Test
  void aVerificationRemovesTheReservationsOfItsPartitionsOnly() {
    NearCacheRepair repair = watching(Map.of());
    repair.repairNow();
    NearCache.Reservation here = new NearCache.Reservation("here", PARTITION);
    NearCache.Reservation elsewhere = new NearCache.Reservation("elsewhere", PARTITION - 1);
    l1.put("here", here);
    l1.put("elsewhere", elsewhere);
    sequences.heard(PARTITION, history, 9); // 6 to 8 lost, in this partition
    ownersSay = owners(history, 9);
    repair.repairNow();
    assertFalse(l1.containsKey("here"), "a read in flight there may have read L2 before a lost change");
    assertSame(elsewhere, l1.get("elsewhere"));
  }

  @Test
  void aValuePublishedAfterTheCheckSawItsReservationIsDroppedToo() {
    NearCacheRepair repair = watching(Map.of());
    repair.repairNow();
    NearCache.Reservation reservation = new NearCache.Reservation("k", PARTITION);
    NearCache.Entry published = new NearCache.Entry(data("k"), PARTITION,
        new CacheRecord(new byte[10], CacheRecord.ETERNAL, 7), NearCache.Entry.SHARED, "read before the change",
        null, serialization);
    ConcurrentMap<Object, Object> racing = new ConcurrentHashMap<>() {
      @Override
      public boolean remove(Object key, Object value) {
        if (value == reservation) {
          replace("k", reservation, published); // the read publishes just before the repair removes its reservation
        }
        return super.remove(key, value);
      }
    };
    racing.put("k", reservation);
    sequences.heard(PARTITION, history, 9); // numbers 6 to 8 lost
    ownersSay = owners(history, 9);
    new NearCacheRepair("test", racing, sequences, timeout -> ownersSay, (keys, small) -> answers(Map.of()),
        INTERVAL_MILLIS).repairNow();
    assertFalse(racing.containsKey("k"), "the verification never saw that value: it must not stay");
  }
}
