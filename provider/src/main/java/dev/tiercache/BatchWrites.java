package dev.tiercache;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.map.IMap;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.cluster.UnwrittenRecords;
import dev.tiercache.integration.WriteBehind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;

/**
 * The changes of many keys at once: {@code putAll}, {@code removeAll} and {@code clear}. With
 * write-through a batch holds every key's lock (taken in the global order), makes one {@code writeAll}
 * or {@code deleteAll} call, and applies exactly the entries the writer took: on a partial failure the
 * writer leaves the others in the collection, as {@link CacheWriter#writeAll} specifies, and the failure
 * reaches the caller once the rest is applied. {@code clear()} never calls the writer and never drops a
 * change write-behind has not yet written.
 */
final class BatchWrites<K, V> {

  private final L2Records<K, V> records;
  private final Writes<K, V> writes;
  private final ChangeWriter<K, V> writer;
  private final SerializationService serialization;
  /** Set only where records may hold unwritten changes (see {@link Writes}' one-operation put). */
  private final WriteBehind<K, V> oneOperationWriteBehind;

  BatchWrites(L2Records<K, V> records, Writes<K, V> writes, ChangeWriter<K, V> writer,
      SerializationService serialization, WriteBehind<K, V> oneOperationWriteBehind) {
    this.records = records;
    this.writes = writes;
    this.writer = writer;
    this.serialization = serialization;
    this.oneOperationWriteBehind = oneOperationWriteBehind;
  }

  /**
   * Puts every entry ({@code keys} and {@code values} are their serialized forms): one locked put per key,
   * or, with write-through, one {@code writeAll} for the whole batch. Returns the writer's outcome.
   */
  ChangeWriter.Outcome putAll(Map<? extends K, ? extends V> entries, Map<K, Data> keys, Map<K, byte[]> values) {
    if (!writer.takesBatches()) {
      for (Map.Entry<K, Data> e : keys.entrySet()) {
        K key = e.getKey();
        writes.putUnderLock(key, e.getValue(), entries.get(key), values.get(key));
      }
      return ChangeWriter.Outcome.ALL_TAKEN;
    }
    List<Map.Entry<K, Data>> locked = records.lockAll(keys);
    try {
      List<Cache.Entry<? extends K, ? extends V>> batch = new ArrayList<>();
      for (Map.Entry<K, Data> e : locked) {
        batch.add(new TierCacheEntry<>(e.getKey(), entries.get(e.getKey())));
      }
      ChangeWriter.Outcome outcome = writer.writeAll(batch);
      long now = System.currentTimeMillis();
      for (Map.Entry<K, Data> e : locked) {
        K key = e.getKey();
        if (outcome.notTaken().contains(key)) {
          continue;
        }
        CacheRecord existing = records.liveRecord(e.getValue(), now);
        if (existing == null) {
          records.create(key, e.getValue(), entries.get(key), values.get(key), now);
        } else {
          records.update(key, e.getValue(), entries.get(key), values.get(key), existing, now);
        }
      }
      return outcome;
    } finally {
      records.unlockAll(locked);
    }
  }

  /** Removes the keys under all their locks, after one {@code deleteAll}; returns the writer's outcome. */
  ChangeWriter.Outcome removeAll(Map<K, Data> keys) {
    List<Map.Entry<K, Data>> locked = records.lockAll(keys);
    try {
      ChangeWriter.Outcome outcome = writer.deleteAll(locked);
      long now = System.currentTimeMillis();
      for (Map.Entry<K, Data> e : locked) {
        if (outcome.notTaken().contains(e.getKey())) {
          continue;
        }
        CacheRecord existing = records.liveRecord(e.getValue(), now);
        if (existing != null) {
          records.remove(e.getKey(), e.getValue(), existing);
        }
      }
      return outcome;
    } finally {
      records.unlockAll(locked);
    }
  }

  /** Removes every entry without calling the writer; see {@link #clearKeepingUnwritten()} for write-behind. */
  void clear() {
    if (oneOperationWriteBehind != null) {
      clearKeepingUnwritten();
    } else {
      records.map().clear();
    }
  }

  /**
   * {@code clear()} of a write-behind cache whose records may hold unwritten changes. Those were
   * acknowledged and must still reach the system of record ({@code clear()} itself never calls the
   * writer), so each unwritten record is handed to the pending map under its key's lock before it goes;
   * then the written records are removed in one pass. A put that lands during the pass stays: it came
   * after the clear.
   */
  private void clearKeepingUnwritten() {
    IMap<Object, CacheRecord> map = records.map();
    for (Object key : map.keySet(new UnwrittenRecords.Unwritten())) {
      Data k = serialization.toData(key);
      records.withLock(k, () -> {
        CacheRecord record = map.get(k);
        if (record != null && record.isUnwritten()) {
          oneOperationWriteBehind.handOver(k, record);
          map.delete(k);
        }
        return null;
      });
    }
    map.executeOnEntries(UnwrittenRecords.RemoveWritten.all());
  }
}
