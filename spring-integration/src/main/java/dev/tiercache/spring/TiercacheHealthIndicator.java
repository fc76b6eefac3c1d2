package dev.tiercache.spring;

import com.hazelcast.cluster.ClusterState;
import com.hazelcast.core.HazelcastInstance;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the Tiercache member this application runs: up while the member runs in an active cluster
 * whose partitions are all safely backed up; the details say how many members the cluster has, its
 * state, and whether partitions are safe (a member that just left may leave partitions without a
 * backup until migrations finish, which is when losing another member would lose data). Down once a
 * cache the application opened has lost data (more members left at once than its backups): the
 * details name how many partitions each such cache lost, and it stays down until the application
 * restarts, since the lost entries do not come back by themselves.
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
    Map<String, Long> lost = new TreeMap<>();
    cacheManager.openCaches().forEach((name, cache) -> {
      if (cache.lostPartitions() > 0) {
        lost.put(name, cache.lostPartitions());
      }
    });
    builder.withDetail("members", member.getCluster().getMembers().size())
        .withDetail("config", cacheManager.getJCacheManager().getURI().toString());
    if (!lost.isEmpty()) {
      // Asked first: the cluster-wide safety question below waits on members that may have just died.
      builder.down().withDetail("partitionsLost", lost);
      return;
    }
    ClusterState state = member.getCluster().getClusterState();
    boolean safe = member.getPartitionService().isClusterSafe();
    builder.withDetail("clusterState", state.name()).withDetail("partitionsSafe", safe);
    if (state == ClusterState.ACTIVE && safe) {
      builder.up();
    } else {
      builder.outOfService();
    }
  }
}
