package dev.tiercache.nearcache;

import com.hazelcast.map.IMap;
import com.hazelcast.partition.PartitionService;
import com.hazelcast.spi.impl.NodeEngine;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.cluster.PerPartition;
import dev.tiercache.cluster.VersionProbe;
import dev.tiercache.nearcache.PartitionSequences.Owner;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The repair of one near cache, against invalidations that were lost: twice per repair interval it takes
 * the owners' latest change numbers of each partition (one small call per member for all the near caches
 * of this member, whatever L1 holds: {@link RepairRound}),
 * asks {@link PartitionSequences} which partitions lost an invalidation or changed history, and verifies
 * only the entries of those against L2: their keys go to their owners, which answer with the versions
 * they hold, and every entry L2 does not vouch for is dropped, with every reservation of those partitions
 * (a read in flight there may have read L2 before the lost change). Every {@value #EXPIRED_SWEEP_ROUNDS}
 * repairs it also drops the expired entries of the whole L1, which reads never return anyway.
 *
 * <p>Invariant: a verified entry outlives the verification only if it has not expired and L2 answered,
 * within one repair interval, the very version the entry was read at. Versions are never reused for a
 * key, so equal versions mean equal values. A failed or late answer vouches for nothing. The one
 * exception is an entry L1 replaced while the repair ran (a newer read or a reservation): it is newer
 * than the check, so it is left alone ({@code remove(key, entry)}, not {@code remove(key)}).
 *
 * <p>{@link Check} is the decision, from what L1 holds and what L2 answered, free of Hazelcast so that
 * it can be tested alone; {@link L2Owners} and {@link L2Versions} are the reads.
 */
final class NearCacheRepair {

  /** The near cache's logger, as before the repair had a class of its own, so logging settings still apply. */
  private static final Logger LOG = Logger.getLogger(NearCache.class.getName());

  /** Runs the repair's bulk reads, which cannot be bounded in time otherwise (see {@link L2Versions}). */
  private static final ExecutorService REPAIR_READS =
      Executors.newCachedThreadPool(daemon("tiercache-near-cache-repair-read"));

  /** Average serialized value size up to which the repair reads whole records rather than versions. */
  static final long SMALL_VALUE_BYTES = 512;

  /** Repairs between two sweeps of the expired entries of the whole L1 (one minute at the default interval). */
  static final int EXPIRED_SWEEP_ROUNDS = 120;

  /** Why a repair drops an entry. */
  enum Reason {
    /** Past the expiry of the record it was read from; L2 is not asked about it. */
    EXPIRED,
    /** L2 holds another version of the key: a change whose invalidation was lost. */
    VERSION_DIFFERS,
    /** L2 no longer holds the key: a removal (or expiry, eviction) whose invalidation was lost. */
    GONE_FROM_L2,
    /** L2 did not answer, or not in time, so it vouched for nothing. */
    CHECK_FAILED
  }

  /** An entry to drop, if L1 still holds this very entry under its key. */
  record Stale(Object key, NearCache.Entry entry, Reason reason) {}

  /** Where a repair asks for the versions L2 holds, by key as L1 holds it; absent keys are left out. */
  @FunctionalInterface
  interface Versions {
    CompletableFuture<Map<Object, Long>> of(Set<Object> keys, boolean smallValues);
  }

  /**
   * Where a repair reads the owners' word on each partition, waiting at most {@code timeoutMillis}; a
   * partition whose owner did not answer in time is left out.
   */
  @FunctionalInterface
  interface Owners {
    Map<Integer, Owner> read(long timeoutMillis);
  }

  private final String cacheName;
  private final ConcurrentMap<Object, Object> entries;
  private final PartitionSequences sequences;
  private final Owners owners;
  private final Versions versions;
  private final long intervalMillis;
  private final LongAdder repaired = new LongAdder();
  private final LongAdder verified = new LongAdder();
  private int rounds;
  /** Takes the repair out of its rounds (a repair that runs only when asked has none). */
  private volatile Runnable leaveRounds = () -> { };
  private volatile boolean closed;

  /** A repair that runs only when asked ({@link #repairNow}); {@link #scheduled} also runs it periodically. */
  NearCacheRepair(String cacheName, ConcurrentMap<Object, Object> entries, PartitionSequences sequences,
      Owners owners, Versions versions, long intervalMillis) {
    this.cacheName = cacheName;
    this.entries = entries;
    this.sequences = sequences;
    this.owners = owners;
    this.versions = versions;
    this.intervalMillis = intervalMillis;
  }

  /**
   * The repair of {@code entries} against {@code map}, run twice per {@code intervalMillis} from now on,
   * in the rounds of this member's near caches of that interval.
   */
  static NearCacheRepair scheduled(String cacheName, ConcurrentMap<Object, Object> entries,
      PartitionSequences sequences, IMap<Object, CacheRecord> map, NodeEngine nodeEngine, long intervalMillis) {
    PartitionService partitions = nodeEngine.getHazelcastInstance().getPartitionService();
    NearCacheRepair repair = new NearCacheRepair(cacheName, entries, sequences, new L2Owners(map.getName(), nodeEngine),
        new L2Versions(map, partitions), intervalMillis);
    RepairRound.join(nodeEngine, intervalMillis, repair, map.getName());
    repair.leaveRounds = () -> RepairRound.leave(nodeEngine, intervalMillis, repair);
    return repair;
  }

  String cacheName() {
    return cacheName;
  }

  /**
   * Runs one repair now; returns how many entries it dropped. A change whose invalidation was lost is
   * found by the second repair after the change at the latest (the first may only learn its number).
   */
  int repairNow() {
    return repairWith(owners.read(intervalMillis));
  }

  /**
   * Runs one repair with the owners' word already read ({@code answer}, by partition; a partition left
   * out is not verified this time); returns how many entries it dropped.
   */
  synchronized int repairWith(Map<Integer, Owner> answer) {
    if (closed) {
      return 0;
    }
    long now = System.currentTimeMillis();
    int dropped = 0;
    if (++rounds % EXPIRED_SWEEP_ROUNDS == 0) {
      dropped += drop(Check.expired(entries, now));
    }
    BitSet partitions = sequences.needVerifying(answer);
    if (partitions.isEmpty()) {
      return dropped;
    }
    Check check = Check.of(entries, now, partitions);
    check.reservations().forEach(this::revoke);
    dropped += drop(check.expired());
    Map<Object, Long> held = check.keys().isEmpty() ? Map.of() : answer(check);
    dropped += drop(check.stale(held));
    verified.add(check.live().size());
    if (held != null) {
      for (int p = partitions.nextSetBit(0); p >= 0; p = partitions.nextSetBit(p + 1)) {
        Owner owner = answer.get(p);
        if (owner != null) {
          sequences.verified(p, owner);
        }
      }
    }
    return dropped;
  }

  /**
   * Removes a reservation the check found: its read may have read L2 before a lost change. If it is gone,
   * its read may have published its value since the check looked, which the verification did not see: a
   * value under the key now is dropped too (it may as well be a newer read's, which then costs a miss).
   */
  private void revoke(Object key, NearCache.Reservation reservation) {
    if (!entries.remove(key, reservation) && entries.get(key) instanceof NearCache.Entry published) {
      entries.remove(key, published);
    }
  }

  /** Entries the repair found stale (their invalidation was lost) and dropped; expired ones do not count. */
  long repaired() {
    return repaired.sum();
  }

  /** Entries the repair has verified against L2 so far (asked L2 about, or dropped when it did not answer). */
  long verified() {
    return verified.sum();
  }

  /** Stops repairing; a repair running now finishes. */
  void close() {
    closed = true;
    leaveRounds.run();
  }

  /** The versions L2 answered for the check's keys, or {@code null} if it failed or did not answer in time. */
  private Map<Object, Long> answer(Check check) {
    try {
      // Bounded by the repair interval: an owner that does not answer in time cannot vouch for its keys.
      return versions.of(check.keys(), check.smallValues()).get(intervalMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      if (!closed) {
        LOG.log(Level.FINE, "Near cache repair of " + cacheName + " failed; dropping the entries it covered", e);
      }
      return null;
    }
  }

  private int drop(List<Stale> stale) {
    int dropped = 0;
    for (Stale s : stale) {
      if (entries.remove(s.key(), s.entry())) {
        dropped++;
        if (s.reason() != Reason.EXPIRED) {
          repaired.increment();
        }
      }
    }
    return dropped;
  }

  private static ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  /**
   * One repair's view of the partitions it verifies, taken from L1 at one moment: their values, split into
   * the expired ones, dropped without asking L2, and the live ones, whose keys (serialized, as L2 knows
   * them) go to L2; and their reservations, which the repair removes.
   *
   * @param reservations by L1 key
   * @param valueBytes total serialized size of the live values, for {@link #smallValues}
   */
  record Check(List<Stale> expired, Map<Object, NearCache.Entry> live, Set<Object> keys,
      Map<Object, NearCache.Reservation> reservations, long valueBytes) {

    /** The check of the entries of {@code partitions}. */
    static Check of(Map<Object, Object> l1, long now, BitSet partitions) {
      List<Stale> expired = new ArrayList<>();
      Map<Object, NearCache.Entry> live = new HashMap<>();
      Set<Object> keys = new HashSet<>();
      Map<Object, NearCache.Reservation> reservations = new HashMap<>();
      long valueBytes = 0;
      for (Map.Entry<Object, Object> held : l1.entrySet()) {
        if (held.getValue() instanceof NearCache.Entry entry && partitions.get(entry.partition())) {
          if (entry.expiresAt() <= now) {
            expired.add(new Stale(held.getKey(), entry, Reason.EXPIRED));
          } else {
            live.put(held.getKey(), entry);
            keys.add(entry.key());
            valueBytes += entry.size();
          }
        } else if (held.getValue() instanceof NearCache.Reservation reservation
            && partitions.get(reservation.partition)) {
          reservations.put(held.getKey(), reservation);
        }
      }
      return new Check(expired, live, keys, reservations, valueBytes);
    }

    /** The expired entries of the whole of L1. */
    static List<Stale> expired(Map<Object, Object> l1, long now) {
      List<Stale> expired = new ArrayList<>();
      l1.forEach((key, held) -> {
        if (held instanceof NearCache.Entry entry && entry.expiresAt() <= now) {
          expired.add(new Stale(key, entry, Reason.EXPIRED));
        }
      });
      return expired;
    }

    /**
     * Whether the live values are small on average, so reading them whole is cheaper than asking an
     * entry processor for their versions (see {@link L2Versions}). Only for a check with keys.
     */
    boolean smallValues() {
      return valueBytes / keys.size() <= SMALL_VALUE_BYTES;
    }

    /** The live entries L2 does not vouch for, given its {@code answer} (by L1 key), or {@code null} if it failed. */
    List<Stale> stale(Map<Object, Long> answer) {
      List<Stale> stale = new ArrayList<>();
      live.forEach((key, entry) -> {
        Long version = answer == null ? null : answer.get(key);
        if (version == null || version != entry.version()) {
          Reason reason = answer == null ? Reason.CHECK_FAILED
              : version == null ? Reason.GONE_FROM_L2 : Reason.VERSION_DIFFERS;
          stale.add(new Stale(key, entry, reason));
        }
      });
      return stale;
    }
  }

  /**
   * The versions L2 holds, read from the owners. Small values are read whole with {@code getAll}, which
   * costs a third of the CPU of an entry processor per key (it needs no deserialization on the owner);
   * large values are not worth shipping, so a read-only entry processor answers with the versions alone,
   * one operation per partition. A {@code getAll} cannot be bounded in time, so it runs on its own thread,
   * one at a time per cache: while one has not returned, the next repair fails at once rather than pile
   * up reads on an owner that is not answering.
   */
  private static final class L2Versions implements Versions {
    private final IMap<Object, CacheRecord> map;
    private final PartitionService partitions;
    private volatile CompletableFuture<Map<Object, Long>> bulkRead;

    L2Versions(IMap<Object, CacheRecord> map, PartitionService partitions) {
      this.map = map;
      this.partitions = partitions;
    }

    @Override
    public CompletableFuture<Map<Object, Long>> of(Set<Object> keys, boolean smallValues) {
      if (!smallValues) {
        return PerPartition.submitToKeys(map, partitions, keys, new VersionProbe());
      }
      CompletableFuture<Map<Object, Long>> previous = bulkRead;
      if (previous != null && !previous.isDone()) {
        return CompletableFuture.failedFuture(new TimeoutException("the previous repair read has not returned"));
      }
      CompletableFuture<Map<Object, Long>> read = CompletableFuture.supplyAsync(() -> {
        Map<Object, Long> versions = new HashMap<>();
        map.getAll(keys).forEach((key, record) -> versions.put(key, record.version()));
        return versions;
      }, REPAIR_READS);
      bulkRead = read;
      return read;
    }
  }

  /** The owners' word on each partition for one map, as a round reads it for many ({@link RepairRound}). */
  private record L2Owners(String mapName, NodeEngine nodeEngine) implements Owners {
    @Override
    public Map<Integer, Owner> read(long timeoutMillis) {
      return RepairRound.readOwners(nodeEngine, new String[] {mapName}, timeoutMillis)
          .getOrDefault(mapName, Map.of());
    }
  }
}
