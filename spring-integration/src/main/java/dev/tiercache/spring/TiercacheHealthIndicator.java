package dev.tiercache.spring;

import com.hazelcast.cluster.ClusterState;
import com.hazelcast.core.HazelcastInstance;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the Tiercache member this application runs: up while the member runs in an active cluster
 * whose partitions are all safely backed up; the details say how many members the cluster has, its
 * state, and whether partitions are safe (a member that just left may leave partitions without a
 * backup until migrations finish, which is when losing another member would lose data).
 */
final class TiercacheHealthIndicator extends AbstractHealthIndicator {

  private final TiercacheCacheManager cacheManager;

  TiercacheHealthIndicator(TiercacheCacheManager cacheManager) {
    super("Tiercache health check failed");
    this.cacheManager = cacheManager;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    HazelcastInstance member = cacheManager.getJCacheManager().unwrap(HazelcastInstance.class);
    if (!member.getLifecycleService().isRunning()) {
      builder.down().withDetail("member", "not running");
      return;
    }
    ClusterState state = member.getCluster().getClusterState();
    boolean safe = member.getPartitionService().isClusterSafe();
    builder.withDetail("members", member.getCluster().getMembers().size())
        .withDetail("clusterState", state.name())
        .withDetail("partitionsSafe", safe)
        .withDetail("config", cacheManager.getJCacheManager().getURI().toString());
    if (state == ClusterState.ACTIVE && safe) {
      builder.up();
    } else {
      builder.outOfService();
    }
  }
}
