package dev.tiercache.nearcache;

import java.util.BitSet;
import java.util.Map;
import java.util.UUID;

/**
 * What one near cache has heard of each partition's changes, so that the repair finds lost invalidations
 * without looking at the entries of partitions where nothing was lost.
 *
 * <p>Every change of a record in L2 takes the next number of its partition's sequence on the partition's
 * owner, inside the operation that makes it (Hazelcast's near-cache metadata: it covers puts, removals,
 * entry processors, evictions and expiry alike, and moves with the partition when it migrates), and its
 * invalidation carries that number and the partition's UUID. A partition's UUID changes when its history
 * may be lost: a backup promoted after its owner crashed has a UUID of its own.
 *
 * <p>A partition must have its entries verified against L2 ({@link #needVerifying}) when:
 * <ul>
 *   <li>an invalidation skipped a number: the ones in between were lost;
 *   <li>the owner's number, read by the previous repair, is above the highest heard: the last ones were
 *       lost (or are more than a repair round late, which a verification costs no more than);
 *   <li>its UUID is not the one known: a new history, or the first repair of this near cache;
 *   <li>its owner did not answer the repair.
 * </ul>
 * Invariant: for a partition not in need, every change numbered up to the highest heard was heard (its
 * key dropped) or happened before a verification that looked at every entry and reservation of the
 * partition. So a lost invalidation is found by the second repair after its change at the latest, and a
 * partition where nothing was lost costs the repair nothing but its number in the owner's answer.
 */
final class PartitionSequences {

  /** The owner's word on one partition: its UUID and the number of its latest change. */
  record Owner(UUID uuid, long sequence) {}

  private final UUID[] uuids;
  /** Highest number heard under the partition's known UUID. */
  private final long[] heard;
  /** Highest number known to be lost (an invalidation skipped it), 0 for none. */
  private final long[] lostUpTo;
  /** The owner's number as the latest repair read it. */
  private final long[] lastRead;
  /** An invalidation came under another UUID than the known one. */
  private final boolean[] otherUuid;
  private final Object[] locks;

  PartitionSequences(int partitions) {
    uuids = new UUID[partitions];
    heard = new long[partitions];
    lostUpTo = new long[partitions];
    lastRead = new long[partitions];
    otherUuid = new boolean[partitions];
    locks = new Object[partitions];
    for (int p = 0; p < partitions; p++) {
      locks[p] = new Object();
    }
  }

  int partitions() {
    return uuids.length;
  }

  /** An invalidation of partition {@code p}, numbered {@code sequence} under {@code uuid}, arrived. */
  void heard(int p, UUID uuid, long sequence) {
    synchronized (locks[p]) {
      if (uuids[p] == null) {
        return; // not verified yet: the next repair verifies the whole partition anyway
      }
      if (!uuids[p].equals(uuid)) {
        otherUuid[p] = true;
        return;
      }
      if (sequence > heard[p] + 1) {
        lostUpTo[p] = Math.max(lostUpTo[p], sequence - 1);
      }
      heard[p] = Math.max(heard[p], sequence);
    }
  }

  /**
   * The partitions to verify, given the owners' answer of this repair (partition to owner; a partition
   * missing from it was not answered for). Records the answer for the next repair's tail check.
   */
  BitSet needVerifying(Map<Integer, Owner> answer) {
    BitSet need = new BitSet(uuids.length);
    for (int p = 0; p < uuids.length; p++) {
      Owner owner = answer.get(p);
      if (owner == null) {
        need.set(p);
        continue;
      }
      synchronized (locks[p]) {
        boolean sameHistory = owner.uuid().equals(uuids[p]) && !otherUuid[p];
        long previous = lastRead[p];
        lastRead[p] = owner.sequence();
        if (!sameHistory || lostUpTo[p] != 0 || heard[p] < previous) {
          need.set(p);
        }
      }
    }
    return need;
  }

  /**
   * Partition {@code p} was verified after the owner answered {@code owner}: every change up to its
   * number is accounted for, under its UUID.
   */
  void verified(int p, Owner owner) {
    synchronized (locks[p]) {
      if (!owner.uuid().equals(uuids[p])) {
        uuids[p] = owner.uuid();
        heard[p] = owner.sequence();
        lostUpTo[p] = 0;
      } else {
        heard[p] = Math.max(heard[p], owner.sequence());
        if (lostUpTo[p] <= owner.sequence()) {
          lostUpTo[p] = 0; // a loss heard of past the answer stays for the next repair
        }
      }
      otherUuid[p] = false;
      lastRead[p] = owner.sequence();
    }
  }
}
