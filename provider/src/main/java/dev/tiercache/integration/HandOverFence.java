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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Sent by a member that has gained partitions of a write-behind cache to every other member: it
 * returns once the flush in progress there (if any) of the same cache is over. Until then the old
 * owner may still commit values it read before the partitions moved; see
 * {@code PartitionHandOver.awaitHandOver}. Each member's {@link WriteBehind} is found in its Hazelcast user
 * context.
 */
final class HandOverFence implements Callable<Boolean>, HazelcastInstanceAware, Serializable {

  @Serial
  private static final long serialVersionUID = 1L;
  private static final String EXECUTOR = "tiercache-write-behind-hand-over";
  private static final long ANSWER_MARGIN_MILLIS = 5_000;

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
   * Asks every other member to answer once it is not in the middle of a flush of map
   * {@code mapName}; completes with whether all did within {@code timeoutMillis} (a member that leaves
   * meanwhile counts as done: with {@code WriteBehind}'s shutdown hook it has finished its batch
   * first). Never completes exceptionally.
   */
  static CompletableFuture<Boolean> askOtherMembers(HazelcastInstance hazelcast, String mapName, long timeoutMillis) {
    List<Member> others = new ArrayList<>();
    for (Member member : hazelcast.getCluster().getMembers()) {
      if (!member.localMember()) {
        others.add(member);
      }
    }
    if (others.isEmpty()) {
      return CompletableFuture.completedFuture(true);
    }
    List<CompletableFuture<Boolean>> answers = new ArrayList<>();
    try {
      Map<Member, Future<Boolean>> sent = hazelcast.getExecutorService(EXECUTOR)
          .submitToMembers(new HandOverFence(mapName, timeoutMillis), others);
      for (Future<Boolean> answer : sent.values()) {
        answers.add(asStage(answer).handle((ok, failure) -> failure == null ? Boolean.TRUE.equals(ok) : isGone(failure))
            .completeOnTimeout(false, timeoutMillis + ANSWER_MARGIN_MILLIS, TimeUnit.MILLISECONDS));
      }
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(isGone(e));
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .thenApply(done -> answers.stream().allMatch(CompletableFuture::join));
  }

  /** Hazelcast's executor futures are completion stages; should one not be, it is waited for on another thread. */
  @SuppressWarnings("unchecked")
  private static CompletableFuture<Boolean> asStage(Future<Boolean> answer) {
    if (answer instanceof CompletionStage<?> stage) {
      return ((CompletionStage<Boolean>) stage).toCompletableFuture();
    }
    return CompletableFuture.supplyAsync(() -> {
      try {
        return answer.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CompletionException(e);
      } catch (ExecutionException e) {
        throw new CompletionException(e.getCause());
      }
    });
  }

  /** Whether a failure to answer means the member is gone (it writes nothing more). */
  private static boolean isGone(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    return cause instanceof MemberLeftException || cause instanceof TargetNotMemberException
        || cause instanceof HazelcastInstanceNotActiveException;
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
