package dev.tiercache.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Asks every member for its counters of one cache, for the cluster-wide view of the statistics, which
 * are counted where each operation is issued. Each member that has the cache open registers a supplier
 * of its counters under the cache's map name; the probe runs on every member through Hazelcast's
 * executor and answers that supplier's counters, or nothing where the cache is not open.
 */
public final class StatisticsProbe implements Callable<long[]>, HazelcastInstanceAware, IdentifiedDataSerializable {

  private static final Logger LOG = Logger.getLogger(StatisticsProbe.class.getName());
  private static final String REGISTRY = "tiercache.statistics";
  private static final String EXECUTOR = "tiercache-statistics";

  private String mapName;
  private transient HazelcastInstance hazelcast;

  /** For deserialization only. */
  public StatisticsProbe() {}

  private StatisticsProbe(String mapName) {
    this.mapName = mapName;
  }

  /** Makes this member answer probes of {@code mapName} with {@code counts}. */
  public static void register(HazelcastInstance hazelcast, String mapName, Supplier<long[]> counts) {
    registry(hazelcast).put(mapName, counts);
  }

  /** Stops answering for {@code mapName}, if {@code counts} is still what answers; nothing if the member stopped. */
  public static void unregister(HazelcastInstance hazelcast, String mapName, Supplier<long[]> counts) {
    try {
      registry(hazelcast).remove(mapName, counts);
    } catch (HazelcastInstanceNotActiveException e) {
      // the member is gone, and its user context with it
    }
  }

  /**
   * The counters of every member that answered within {@code timeoutMillis} and has the cache open; a
   * member that fails or is too slow is left out (and logged), so the sum says how many it covers.
   */
  public static List<long[]> askAllMembers(HazelcastInstance hazelcast, String mapName, long timeoutMillis) {
    Map<Member, Future<long[]>> answers =
        hazelcast.getExecutorService(EXECUTOR).submitToAllMembers(new StatisticsProbe(mapName));
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    List<long[]> counts = new ArrayList<>();
    for (Map.Entry<Member, Future<long[]>> answer : answers.entrySet()) {
      try {
        long[] memberCounts = answer.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (memberCounts != null) {
          counts.add(memberCounts);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException | TimeoutException e) {
        LOG.log(Level.FINE, "Member " + answer.getKey() + " gave no statistics of " + mapName, e);
      }
    }
    return counts;
  }

  @SuppressWarnings("unchecked")
  private static ConcurrentMap<String, Supplier<long[]>> registry(HazelcastInstance hazelcast) {
    return (ConcurrentMap<String, Supplier<long[]>>) hazelcast.getUserContext()
        .computeIfAbsent(REGISTRY, key -> new ConcurrentHashMap<String, Supplier<long[]>>());
  }

  @Override
  public long[] call() {
    Supplier<long[]> counts = registry(hazelcast).get(mapName);
    return counts == null ? null : counts.get();
  }

  @Override
  public void setHazelcastInstance(HazelcastInstance hazelcast) {
    this.hazelcast = hazelcast;
  }

  @Override
  public int getFactoryId() {
    return RecordSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return RecordSerialization.STATISTICS_PROBE;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeString(mapName);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    mapName = in.readString();
  }
}
