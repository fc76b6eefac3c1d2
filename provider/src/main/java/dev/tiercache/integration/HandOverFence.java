package dev.tiercache.integration;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sent by a member that has gained partitions of a write-behind cache to every other member: it
 * returns once the flush in progress there (if any) of the same cache is over. Until then the old
 * owner may still commit values it read before the partitions moved; see
 * {@code WriteBehind.awaitHandOver()}. Each member's {@link WriteBehind} is found in its Hazelcast user
 * context.
 */
final class HandOverFence implements Callable<Boolean>, HazelcastInstanceAware, Serializable {

  @Serial
  private static final long serialVersionUID = 1L;
  private static final String EXECUTOR = "tiercache-write-behind-hand-over";

  private final String mapName;
  private final long timeoutMillis;
  private transient HazelcastInstance hazelcast;

  private HandOverFence(String mapName, long timeoutMillis) {
    this.mapName = mapName;
    this.timeoutMillis = timeoutMillis;
  }

  /** Where a member's write-behind of map {@code mapName} is registered in its user context. */
  static String contextKey(String mapName) {
    return "tiercache.write-behind." + mapName;
  }

  /**
   * Waits until no other member is in the middle of a flush of map {@code mapName}, at most
   * {@code timeoutMillis}; a member that leaves meanwhile counts as done. Returns whether all answered.
   */
  static boolean awaitOtherMembers(HazelcastInstance hazelcast, String mapName, long timeoutMillis) {
    List<Member> others = new ArrayList<>();
    for (Member member : hazelcast.getCluster().getMembers()) {
      if (!member.localMember()) {
        others.add(member);
      }
    }
    if (others.isEmpty()) {
      return true;
    }
    Map<Member, Future<Boolean>> answers = hazelcast.getExecutorService(EXECUTOR)
        .submitToMembers(new HandOverFence(mapName, timeoutMillis), others);
    long deadline = System.currentTimeMillis() + timeoutMillis + 5_000;
    try {
      for (Future<Boolean> answer : answers.values()) {
        if (!answered(answer, deadline)) {
          return false;
        }
      }
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static boolean answered(Future<Boolean> answer, long deadline)
      throws InterruptedException, TimeoutException {
    try {
      return Boolean.TRUE.equals(answer.get(Math.max(0, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      // A member that is gone writes nothing more.
      return cause instanceof MemberLeftException || cause instanceof TargetNotMemberException
          || cause instanceof HazelcastInstanceNotActiveException;
    }
  }

  @Override
  public void setHazelcastInstance(HazelcastInstance hazelcast) {
    this.hazelcast = hazelcast;
  }

  @Override
  public Boolean call() throws InterruptedException {
    Object writeBehind = hazelcast.getUserContext().get(contextKey(mapName));
    return !(writeBehind instanceof WriteBehind<?, ?> local) || local.awaitFlushInProgress(timeoutMillis);
  }
}
