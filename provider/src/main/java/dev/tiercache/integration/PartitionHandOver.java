package dev.tiercache.integration;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.partition.IPartition;
import com.hazelcast.spi.impl.NodeEngine;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This member's side of a partition changing owner. A partition counts as handed over, and the flusher
 * writes its changes here, only at the partition version at which every other member answered that no
 * flush of its own that could still hold the partition's changes is in progress ({@link HandOverFence});
 * any later change of owner (a new version) makes it wait again. Without that, the old owner could
 * commit a batch it read before the move after a newer change of the same key was written here.
 */
final class PartitionHandOver {

  /** How long a flush waits for the other members' flushes in progress before it tries again later. */
  private static final long HAND_OVER_TIMEOUT_MILLIS = 30_000;

  private final HazelcastInstance hazelcast;
  private final NodeEngine nodeEngine;
  private final String mapName;
  /** Partition → its version when this member last made sure no other member still writes its changes. */
  private final Map<Integer, Integer> handedOver = new ConcurrentHashMap<>();
  private final Object handOverLock = new Object();
  /** The hand-over request in flight, if any: the partitions (and versions) it covers, and its answer. */
  private Map<Integer, Integer> handOverAsked;
  private CompletableFuture<Boolean> handOverAnswer;

  PartitionHandOver(HazelcastInstance hazelcast, NodeEngine nodeEngine, String mapName) {
    this.hazelcast = hazelcast;
    this.nodeEngine = nodeEngine;
    this.mapName = mapName;
  }

  /**
   * Makes sure no other member is in the middle of writing changes of a partition this member has
   * gained (or that changed hands since this member last looked): the old owner may still be writing
   * a batch it read before the partition moved, and a newer change of the same key written here first
   * would be overwritten by that older one when it commits. Asks every other member to let its flush in
   * progress finish ({@link HandOverFence}); a partition's version (Hazelcast's count of its replica
   * changes) tells this member when to ask again. One request at a time: {@code wait} waits until every
   * partition it owns is handed over (asking again if partitions moved meanwhile), otherwise the flush
   * goes on with the partitions already handed over and a later one takes the answers. Returns whether
   * every owned partition is handed over; {@code false} if a member did not answer in time (its
   * partitions wait for a later flush).
   */
  boolean awaitHandOver(boolean wait) {
    long deadline = System.currentTimeMillis() + HAND_OVER_TIMEOUT_MILLIS;
    while (true) {
      CompletableFuture<Boolean> answer;
      synchronized (handOverLock) {
        if (!settleHandOver()) {
          return false; // a member did not answer in time; a later flush asks again
        }
        if (handOverAnswer == null) {
          Map<Integer, Integer> changed = new HashMap<>();
          for (IPartition partition : nodeEngine.getPartitionService().getPartitions()) {
            if (partition.isLocal() && !isHandedOver(partition)) {
              changed.put(partition.getPartitionId(), partition.version());
            }
          }
          if (changed.isEmpty()) {
            return true;
          }
          handOverAsked = changed;
          handOverAnswer = HandOverFence.askOtherMembers(hazelcast, mapName, HAND_OVER_TIMEOUT_MILLIS);
        }
        answer = handOverAnswer;
      }
      if ((!wait && !answer.isDone()) || System.currentTimeMillis() > deadline) {
        return false;
      }
      // Bounded: members answer or are given up on. Then look again: partitions may have moved meanwhile.
      answer.join();
    }
  }

  /**
   * Takes the answers to the hand-over request, if they are all in: the partitions it covered are
   * handed over if every member answered. Returns {@code false} only if the request just failed.
   */
  private boolean settleHandOver() {
    if (handOverAnswer == null || !handOverAnswer.isDone()) {
      return true;
    }
    boolean ok = handOverAnswer.join();
    if (ok) {
      handedOver.putAll(handOverAsked);
    }
    handOverAsked = null;
    handOverAnswer = null;
    return ok;
  }

  /** Whether this member has made sure, at the partition's current version, that nobody else still writes it. */
  boolean isHandedOver(IPartition partition) {
    Integer handedOverAt = handedOver.get(partition.getPartitionId());
    return handedOverAt != null && handedOverAt == partition.version();
  }
}
