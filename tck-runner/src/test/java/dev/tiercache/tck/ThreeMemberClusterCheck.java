package dev.tiercache.tck;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.tiercache.TierCache;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import org.junit.Test;

/**
 * Runs with the TCK in its cluster run only, and checks that the run had the shape it claims: the test
 * JVM's default CacheManager is one member of three, the data is partitioned across all of them, and
 * caches have their near cache on.
 */
public class ThreeMemberClusterCheck {

  @Test
  public void theTestJvmIsOneMemberOfThreeAndEachHoldsPartOfTheData() {
    CacheManager manager = Caching.getCachingProvider().getCacheManager();
    HazelcastInstance member = manager.unwrap(HazelcastInstance.class);
    assertEquals(3, member.getCluster().getMembers().size());
    Cache<Integer, String> cache = manager.createCache("cluster-shape",
        new MutableConfiguration<Integer, String>().setTypes(Integer.class, String.class));
    try {
      for (int i = 0; i < 300; i++) {
        cache.put(i, "v" + i);
      }
      int local = cache.unwrap(IMap.class).localKeySet().size();
      assertTrue("this member owns some but not all of 300 keys: " + local, local > 0 && local < 300);
      assertTrue("the near cache is on", ((TierCache<?, ?>) cache.unwrap(TierCache.class)).nearCache().isPresent());
      for (int i = 0; i < 300; i++) {
        assertEquals("v" + i, cache.get(i));
      }
    } finally {
      manager.destroyCache("cluster-shape");
    }
  }
}
