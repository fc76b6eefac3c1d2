package dev.tiercache.nearcache;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.memberselector.MemberSelectors;
import com.hazelcast.spi.impl.NodeEngine;
import dev.tiercache.cluster.PartitionHistories;
import dev.tiercache.nearcache.PartitionSequences.Owner;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The repairs of the near caches of one member that share a repair interval, run together twice per
 * interval: a round asks each data member once for its word on all their maps ({@link PartitionHistories}
 * with every map name), waiting at most one interval for all the answers, then repairs each near cache
 * with its part. So the owners answer one small call per member per round whatever the number of
 * caches, and a member that does not answer holds a round up by one interval, not by one per cache.
 */
final class RepairRound {

  /** The near caches' logger, so that their logging settings apply. */
  private static final Logger LOG = Logger.getLogger(NearCache.class.getName());

  /** One daemon thread runs the rounds of every near cache in this JVM. */
  private static final ScheduledExecutorService ROUNDS_THREAD = roundsThread();

  /** Guarded by itself. */
  private static final Map<Key, RepairRound> ROUNDS = new HashMap<>();

  private record Key(NodeEngine nodeEngine, long intervalMillis) {}

  private final NodeEngine nodeEngine;
  private final long intervalMillis;
  /** Each repair of the round, with the name of the map its near cache holds entries of. */
  private final Map<NearCacheRepair, String> repairs = new ConcurrentHashMap<>();
  private ScheduledFuture<?> schedule;

  private RepairRound(NodeEngine nodeEngine, long intervalMillis) {
    this.nodeEngine = nodeEngine;
    this.intervalMillis = intervalMillis;
  }

  /** Runs {@code repair} (of a near cache of {@code mapName}) in the rounds of its member and interval. */
  static void join(NodeEngine nodeEngine, long intervalMillis, NearCacheRepair repair, String mapName) {
    synchronized (ROUNDS) {
      RepairRound round = ROUNDS.computeIfAbsent(new Key(nodeEngine, intervalMillis), key -> {
        RepairRound created = new RepairRound(nodeEngine, intervalMillis);
        long period = Math.max(10, intervalMillis / 2);
        created.schedule = ROUNDS_THREAD.scheduleWithFixedDelay(created::runQuietly, period, period,
            TimeUnit.MILLISECONDS);
        return created;
      });
      round.repairs.put(repair, mapName);
    }
  }

  /** Takes {@code repair} out of its rounds; the last one out stops them. A round running now finishes. */
  static void leave(NodeEngine nodeEngine, long intervalMillis, NearCacheRepair repair) {
    synchronized (ROUNDS) {
      Key key = new Key(nodeEngine, intervalMillis);
      RepairRound round = ROUNDS.get(key);
      if (round != null && round.repairs.remove(repair) != null && round.repairs.isEmpty()) {
        round.schedule.cancel(false);
        ROUNDS.remove(key);
      }
    }
  }

  private void runQuietly() {
    Map<NearCacheRepair, String> now = Map.copyOf(repairs);
    if (now.isEmpty()) {
      return;
    }
    Map<String, Map<Integer, Owner>> owners;
    try {
      owners = readOwners(nodeEngine, new LinkedHashSet<>(now.values()).toArray(String[]::new), intervalMillis);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Near cache repair could not read the partitions' owners", e);
      return;
    }
    now.forEach((repair, mapName) -> {
      try {
        repair.repairWith(owners.get(mapName));
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "Near cache repair of " + repair.cacheName() + " failed", e);
      }
    });
  }

  /**
   * The owners' word on each partition for each of {@code mapNames}, asked of every data member for the
   * partitions it owns (one operation per member for all the maps). A member that does not answer
   * within {@code timeoutMillis} of the first question leaves its partitions out (and its call is
   * cancelled); a partition two members answer for (a migration between the two reads) is left out too.
   */
  static Map<String, Map<Integer, Owner>> readOwners(NodeEngine nodeEngine, String[] mapNames,
      long timeoutMillis) {
    List<CompletableFuture<PartitionHistories.Answer>> answers = new ArrayList<>();
    for (Member member : nodeEngine.getClusterService().getMembers(MemberSelectors.DATA_MEMBER_SELECTOR)) {
      try {
        answers.add(PartitionHistories.ask(nodeEngine, member.getAddress(), mapNames));
      } catch (RuntimeException e) {
        // the member is leaving: its partitions go unanswered
      }
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    List<Map<Integer, Owner>> byMap = new ArrayList<>();
    for (int m = 0; m < mapNames.length; m++) {
      byMap.add(new HashMap<>());
    }
    Set<Integer> contested = new HashSet<>();
    for (CompletableFuture<PartitionHistories.Answer> pending : answers) {
      PartitionHistories.Answer answer;
      try {
        answer = pending.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Map.of();
      } catch (ExecutionException | TimeoutException | RuntimeException e) {
        pending.cancel(true);
        continue;
      }
      for (int i = 0; i < answer.size(); i++) {
        int partition = answer.partition(i);
        if (byMap.get(0).containsKey(partition)) {
          contested.add(partition);
        }
        for (int m = 0; m < mapNames.length; m++) {
          byMap.get(m).put(partition, new Owner(answer.uuid(i), answer.sequence(m, i)));
        }
      }
    }
    Map<String, Map<Integer, Owner>> owners = new HashMap<>();
    for (int m = 0; m < mapNames.length; m++) {
      Map<Integer, Owner> partitions = byMap.get(m);
      contested.forEach(partitions::remove);
      owners.put(mapNames[m], partitions);
    }
    return owners;
  }

  private static ScheduledExecutorService roundsThread() {
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread thread = new Thread(runnable, "tiercache-near-cache-repair");
      thread.setDaemon(true);
      return thread;
    });
    executor.setRemoveOnCancelPolicy(true);
    return executor;
  }
}
