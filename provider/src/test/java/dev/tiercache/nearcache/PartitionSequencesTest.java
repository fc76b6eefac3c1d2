package dev.tiercache.nearcache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tiercache.nearcache.PartitionSequences.Owner;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Which partitions a repair must verify, from the numbers heard and the owners' answers alone. */
class PartitionSequencesTest {

  private final PartitionSequences sequences = new PartitionSequences(3);
  private final UUID history = UUID.randomUUID();

  private Map<Integer, Owner> answer(long... numbers) {
    Map<Integer, Owner> answer = new HashMap<>();
    for (int p = 0; p < numbers.length; p++) {
      answer.put(p, new Owner(history, numbers[p]));
    }
    return answer;
  }

  private static BitSet of(int... partitions) {
    BitSet set = new BitSet();
    for (int p : partitions) {
      set.set(p);
    }
    return set;
  }

  /** Verifies what needs it under {@code answer}, as the repair does; returns what needed it. */
  private BitSet repair(Map<Integer, Owner> answer) {
    BitSet need = sequences.needVerifying(answer);
    need.stream().forEach(p -> sequences.verified(p, answer.get(p)));
    return need;
  }

  @Test
  void everyPartitionIsVerifiedOnceAtFirstThenOnlyWhereANumberWasNotHeard() {
    assertEquals(of(0, 1, 2), repair(answer(0, 4, 9)), "no history known yet");
    sequences.heard(1, history, 5);
    sequences.heard(2, history, 10);
    sequences.heard(2, history, 11);
    assertEquals(of(), repair(answer(0, 5, 11)));
    assertEquals(of(), repair(answer(0, 5, 11)), "nothing changed");
  }

  @Test
  void aSkippedNumberNeedsTheNextRepair() {
    repair(answer(0, 4, 9));
    sequences.heard(1, history, 6); // 5 lost
    assertEquals(of(1), repair(answer(0, 6, 9)));
    assertEquals(of(), repair(answer(0, 6, 9)), "verified up to 6");
  }

  @Test
  void numbersTheOwnerHadOneRepairAgoButNobodyHeardNeedVerifying() {
    repair(answer(0, 4, 9));
    assertEquals(of(), repair(answer(0, 4, 10)), "10 may still be on its way");
    assertEquals(of(2), repair(answer(0, 4, 10)), "a repair later it is lost");
    sequences.heard(2, history, 10); // came after all, late
    assertEquals(of(), repair(answer(0, 4, 10)));
  }

  @Test
  void aLossHeardOfPastTheAnswerStaysForTheNextRepair() {
    repair(answer(0, 4, 9));
    BitSet need = sequences.needVerifying(answer(0, 4, 9));
    assertEquals(of(), need);
    sequences.heard(2, history, 12); // 10, 11 lost, after the owner answered 9
    sequences.verified(2, new Owner(history, 9));
    assertEquals(of(2), sequences.needVerifying(answer(0, 4, 12)));
  }

  @Test
  void anotherHistoryOrNoAnswerNeedsVerifying() {
    repair(answer(0, 4, 9));
    Map<Integer, Owner> promoted = answer(0, 4, 9);
    promoted.put(0, new Owner(UUID.randomUUID(), 2));
    assertEquals(of(0), repair(promoted));
    sequences.heard(1, UUID.randomUUID(), 1); // an invalidation of a history not known here
    Map<Integer, Owner> partial = answer(0, 4, 9);
    partial.put(0, promoted.get(0));
    partial.remove(2); // its owner did not answer
    assertEquals(of(1, 2), sequences.needVerifying(partial));
  }
}
