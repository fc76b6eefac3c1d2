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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Asks every other member about one cache, for what only each member knows: its statistics (counted
 * where each operation is issued), for the cluster-wide view; and the keys hottest in its near cache,
 * for a member that opens the cache to warm its own. Each member that has the cache open registers its
 * {@link Answers} under the cache's map name; the probe runs on the members through Hazelcast's
 * executor and answers nothing where the cache is not open.
 */
public final class CacheProbe implements Callable<Object>, HazelcastInstanceAware, IdentifiedDataSerializable {

  /** What a member that has the cache open can tell about it. */
  public interface Answers {
    /** This member's counters (see {@code StatisticsSnapshot.toCounts}). */
    long[] counts();

    /** Up to {@code limit} keys, serialized, hottest first in this member's near cache (none without one). */
    byte[][] hottestKeys(int limit);
  }

  private static final Logger LOG = Logger.getLogger(CacheProbe.class.getName());
  private static final String REGISTRY = "tiercache.probe-answers";
  private static final String EXECUTOR = "tiercache-probe";

  private String mapName;
  /** 0: the counts; a positive number: that many hottest keys. */
  private int hotKeys;
  private transient HazelcastInstance hazelcast;

  /** For deserialization only. */
  public CacheProbe() {}

  private CacheProbe(String mapName, int hotKeys) {
    this.mapName = mapName;
    this.hotKeys = hotKeys;
  }

  /**
   * Makes this member answer probes of {@code mapName} with {@code answers}, beside those of any other
   * cache of that map open on it (two managers of one member with the same scope).
   */
  public static void register(HazelcastInstance hazelcast, String mapName, Answers answers) {
    registry(hazelcast).computeIfAbsent(mapName, name -> new CopyOnWriteArrayList<>()).add(answers);
  }

  /** Stops answering with {@code answers}; nothing if the member stopped. */
  public static void unregister(HazelcastInstance hazelcast, String mapName, Answers answers) {
    try {
      List<Answers> open = registry(hazelcast).get(mapName);
      if (open != null) {
        open.remove(answers);
      }
    } catch (HazelcastInstanceNotActiveException e) {
      // the member is gone, and its user context with it
    }
  }

  /** Every member's counters of the cache, this one's included (see {@link #ask}). */
  public static List<long[]> counts(HazelcastInstance hazelcast, String mapName, long timeoutMillis) {
    List<long[]> counts = new ArrayList<>();
    ask(hazelcast, new CacheProbe(mapName, 0), true, timeoutMillis).forEach(answer -> counts.add((long[]) answer));
    return counts;
  }

  /** Up to {@code limit} hot keys from each other member's near cache. */
  public static List<byte[][]> hottestKeys(HazelcastInstance hazelcast, String mapName, int limit,
      long timeoutMillis) {
    List<byte[][]> keys = new ArrayList<>();
    ask(hazelcast, new CacheProbe(mapName, limit), false, timeoutMillis).forEach(answer -> keys.add((byte[][]) answer));
    return keys;
  }

  /**
   * The answers of every member (or every other one) that answered within {@code timeoutMillis} and has
   * the cache open; a member that fails or is too slow is left out (and logged at FINE).
   */
  private static List<Object> ask(HazelcastInstance hazelcast, CacheProbe probe, boolean withThisMember,
      long timeoutMillis) {
    List<Member> members = new ArrayList<>();
    for (Member member : hazelcast.getCluster().getMembers()) {
      if (withThisMember || !member.localMember()) {
        members.add(member);
      }
    }
    List<Object> answers = new ArrayList<>();
    if (members.isEmpty()) {
      return answers;
    }
    Map<Member, Future<Object>> futures = hazelcast.getExecutorService(EXECUTOR).submitToMembers(probe, members);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    for (Map.Entry<Member, Future<Object>> future : futures.entrySet()) {
      try {
        Object answer = future.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (answer != null) {
          answers.add(answer);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException | TimeoutException e) {
        LOG.log(Level.FINE, "Member " + future.getKey() + " gave no answer about " + probe.mapName, e);
      }
    }
    return answers;
  }

  @SuppressWarnings("unchecked")
  private static ConcurrentMap<String, List<Answers>> registry(HazelcastInstance hazelcast) {
    return (ConcurrentMap<String, List<Answers>>) hazelcast.getUserContext()
        .computeIfAbsent(REGISTRY, key -> new ConcurrentHashMap<String, List<Answers>>());
  }

  /** The counts of the caches of the map open here, summed; or the hot keys of the first with any. */
  @Override
  public Object call() {
    List<Answers> open = registry(hazelcast).get(mapName);
    if (open == null || open.isEmpty()) {
      return null;
    }
    if (hotKeys > 0) {
      for (Answers answers : open) {
        byte[][] keys = answers.hottestKeys(hotKeys);
        if (keys.length > 0) {
          return keys;
        }
      }
      return new byte[0][];
    }
    long[] sum = null;
    for (Answers answers : open) {
      long[] counts = answers.counts();
      if (sum == null) {
        sum = counts.clone();
      } else {
        for (int i = 0; i < sum.length; i++) {
          sum[i] += counts[i];
        }
      }
    }
    return sum;
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
    return RecordSerialization.CACHE_PROBE;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeString(mapName);
    out.writeInt(hotKeys);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    mapName = in.readString();
    hotKeys = in.readInt();
  }
}
