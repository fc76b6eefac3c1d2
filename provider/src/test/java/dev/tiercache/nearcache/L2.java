package dev.tiercache.nearcache;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import com.hazelcast.internal.serialization.impl.HeapData;
import com.hazelcast.map.IMap;
import dev.tiercache.TierCache;
import dev.tiercache.cluster.CacheRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.cache.Cache;

/** Reads a cache's L2 map directly, past every near cache, to compare near caches with it. */
final class L2 {

  private L2() {}

  /** The value L2 holds for {@code key}, or {@code null}. */
  @SuppressWarnings("unchecked")
  static Object value(Cache<?, ?> cache, Object key) {
    IMap<Object, CacheRecord> map = cache.unwrap(IMap.class);
    SerializationService serialization =
        ((SerializationServiceSupport) cache.unwrap(HazelcastInstance.class)).getSerializationService();
    CacheRecord record = map.get(serialization.toData(key));
    return record == null ? null : serialization.toObject(new HeapData(record.value()));
  }

  /** Descriptions of every entry in the cache's near cache on this member that differs from L2. */
  static List<String> differences(Cache<?, ?> cache) {
    NearCache nearCache = ((TierCache<?, ?>) cache.unwrap(TierCache.class)).nearCache().orElseThrow();
    List<String> differences = new ArrayList<>();
    for (Map.Entry<Object, Object> e : nearCache.snapshot().entrySet()) {
      Object inL2 = value(cache, e.getKey());
      if (!Objects.equals(inL2, e.getValue())) {
        differences.add(e.getKey() + ": L1 " + e.getValue() + ", L2 " + inL2);
      }
    }
    return differences;
  }
}
