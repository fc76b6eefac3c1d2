package dev.tiercache.nearcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.nearcache.impl.invalidation.MetaDataGenerator;
import com.hazelcast.map.IMap;
import com.hazelcast.map.impl.MapService;
import com.hazelcast.spi.impl.AbstractDistributedObject;
import com.hazelcast.spi.impl.NodeEngine;
import dev.tiercache.TestCluster;
import dev.tiercache.TierCache;
import dev.tiercache.cluster.PartitionHistories;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the repair learns from the owners ({@link PartitionHistories}): a change that Hazelcast does not
 * announce by itself (a size-based eviction) is announced and numbered all the same, also on a member
 * that never opened the cache; and a partition whose owner died starts a new history on the member that
 * takes it over, even where the backup held a copy of the owner's history (anti-entropy copies it), so
 * no near cache can take the new owner's numbers for ones it heard from the old.
 */
class NearCacheHistoryTest {

  @TempDir
  Path dir;

  @Test
  void entriesL2EvictsLeaveEveryNearCache() throws Exception {
    try (TestCluster cluster = TestCluster.start(TestCluster.configure(dir, 3, "max-entries: 300"))) {
      // The third member owns partitions of the cache but never opens it.
      Cache<String, String> writer = cluster.manager(0).createCache("bounded", config());
      Cache<String, String> reader = cluster.manager(1).createCache("bounded", config());
      for (int i = 0; i < 300; i++) {
        writer.put("k" + i, "v" + i);
      }
      for (int i = 0; i < 300; i++) {
        reader.get("k" + i);
      }
      NearCache nearCache = ((TierCache<?, ?>) reader.unwrap(TierCache.class)).nearCache().orElseThrow();
      long held = nearCache.snapshot().size();
      Thread.sleep(1_500); // a repair round or two: every member has been asked, and announces evictions
      for (int i = 300; i < 3_000; i++) {
        writer.put("k" + i, "v" + i); // evicts most of the first 300 from L2
      }
      Thread.sleep(2_000); // two repair intervals
      List<String> stale = L2.differences(reader);
      System.out.printf("near cache after L2 evictions: held %d, holds %d, differing from L2 %d%n", held,
          nearCache.snapshot().size(), stale.size());
      assertTrue(held > 200, "the reader's near cache held the first keys: " + held);
      assertEquals(List.of(), stale.subList(0, Math.min(10, stale.size())), "entries L2 evicted, still in L1");
    }
  }

  @Test
  void aPartitionWhoseOwnerDiedStartsANewHistory() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, 3)) {
      Cache<String, String> cache = cluster.manager(0).createCache("histories", config());
      cache.put("k", "v");
      @SuppressWarnings("unchecked")
      IMap<Object, Object> map = ((TierCache<?, ?>) cache.unwrap(TierCache.class)).unwrap(IMap.class);
      NodeEngine nodeEngine = ((AbstractDistributedObject<?>) map).getNodeEngine();
      HazelcastInstance dying = cluster.manager(2).unwrap(HazelcastInstance.class);
      Member dead = dying.getCluster().getLocalMember();
      Map<Integer, UUID> before = histories(nodeEngine, dead, map.getName());
      assertTrue(before.size() > 50, "the third member owns a third of the partitions: " + before.size());
      // What Hazelcast's anti-entropy does now and then: copy the owner's history onto the backups.
      for (int i = 0; i < 2; i++) {
        MetaDataGenerator backup = metaData(cluster.manager(i).unwrap(HazelcastInstance.class), map.getName());
        before.forEach(backup::setUuid);
      }

      dying.getLifecycleService().terminate();
      HazelcastInstance survivor = cluster.manager(0).unwrap(HazelcastInstance.class);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while ((survivor.getCluster().getMembers().size() > 2 || !survivor.getPartitionService().isClusterSafe())
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      Map<Integer, UUID> after = new HashMap<>();
      for (Member member : survivor.getCluster().getMembers()) {
        after.putAll(histories(nodeEngine, member, map.getName()));
      }
      assertEquals(271, after.size(), "every partition has an owner again");
      before.forEach((partition, uuid) ->
          assertNotEquals(uuid, after.get(partition), "partition " + partition + " kept the dead owner's history"));
    }
  }

  private static MetaDataGenerator metaData(HazelcastInstance member, String mapName) {
    NodeEngine nodeEngine = ((AbstractDistributedObject<?>) member.getMap(mapName)).getNodeEngine();
    return nodeEngine.<MapService>getService(MapService.SERVICE_NAME).getMapServiceContext().getMapNearCacheManager()
        .getInvalidator().getMetaDataGenerator();
  }

  private static Map<Integer, UUID> histories(NodeEngine nodeEngine, Member member, String mapName) throws Exception {
    PartitionHistories.Answer answer = PartitionHistories.ask(nodeEngine, member.getAddress(), mapName)
        .get(10, TimeUnit.SECONDS);
    Map<Integer, UUID> histories = new HashMap<>();
    for (int i = 0; i < answer.size(); i++) {
      histories.put(answer.partition(i), answer.uuid(i));
    }
    return histories;
  }

  private static MutableConfiguration<String, String> config() {
    return new MutableConfiguration<String, String>().setTypes(String.class, String.class);
  }
}
