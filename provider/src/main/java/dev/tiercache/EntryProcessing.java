package dev.tiercache;

import com.hazelcast.internal.serialization.Data;
import dev.tiercache.cluster.CacheRecord;
import dev.tiercache.management.CacheStatistics;
import dev.tiercache.processor.EntryProcessorEntry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import javax.cache.CacheException;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.EntryProcessorException;
import javax.cache.processor.EntryProcessorResult;

/**
 * {@code invoke}: an entry processor runs on this member, under the key's lock, on an
 * {@link EntryProcessorEntry} that only records what it did; once it returns, the net effect is applied
 * with the same writer, expiry, event and statistics rules as the matching plain operation. A processor
 * that throws applies nothing. Processors need not be serializable: they never leave this member.
 */
final class EntryProcessing<K, V> {

  private final L2Records<K, V> records;
  private final KeyValueCodec<K, V> codec;
  private final ChangeWriter<K, V> writer;
  private final CacheStatistics statistics;
  /** Loads an absent key the processor reads; {@code null} without read-through. */
  private final ReadThrough<K, V> readThrough;

  EntryProcessing(L2Records<K, V> records, KeyValueCodec<K, V> codec, ChangeWriter<K, V> writer,
      CacheStatistics statistics, ReadThrough<K, V> readThrough) {
    this.records = records;
    this.codec = codec;
    this.writer = writer;
    this.statistics = statistics;
    this.readThrough = readThrough;
  }

  <T> T invoke(K key, Data k, EntryProcessor<K, V, T> processor, Object... arguments) {
    return records.withLock(k, () -> {
      CacheRecord existing = records.liveRecord(k, System.currentTimeMillis());
      V current = existing == null ? null : codec.toValue(existing);
      EntryProcessorEntry<K, V> entry = new EntryProcessorEntry<>(key, current,
          readThrough == null ? null : missing -> readThrough.loadLocked(missing, k));
      T processed;
      try {
        processed = processor.process(entry, arguments);
      } catch (EntryProcessorException e) {
        throw e;
      } catch (Exception e) {
        throw new EntryProcessorException(e);
      }
      statistics.recordHitOrMiss(existing != null);
      applyOutcome(key, k, entry, existing, System.currentTimeMillis());
      return processed;
    });
  }

  /**
   * {@code invokeAll}: {@code invoke} (the cache's, with its checks and statistics) once per key; a
   * failure is delivered through that key's {@link EntryProcessorResult#get()}, a {@code null} result
   * leaves the key out.
   */
  static <K, T> Map<K, EntryProcessorResult<T>> eachKey(Set<? extends K> keys, Function<K, T> invoke) {
    Map<K, EntryProcessorResult<T>> results = new LinkedHashMap<>();
    for (K key : keys) {
      try {
        T result = invoke.apply(key);
        if (result != null) {
          results.put(key, () -> result);
        }
      } catch (CacheException e) {
        EntryProcessorException failure =
            e instanceof EntryProcessorException epe ? epe : new EntryProcessorException(e);
        results.put(key, () -> {
          throw failure;
        });
      }
    }
    return results;
  }

  /** Applies the net effect of an entry processor. Caller holds the lock. */
  private void applyOutcome(K key, Data k, EntryProcessorEntry<K, V> entry, CacheRecord existing, long now) {
    switch (entry.outcome()) {
      case NONE -> { }
      case ACCESS -> records.touchLocked(k, existing, now);
      case LOAD -> {
        statistics.recordLoads(1);
        records.storeLoaded(key, k, entry.value(), null);
      }
      case CREATE -> {
        V value = codec.checkValueType(entry.value());
        byte[] bytes = codec.valueBytes(value);
        writer.write(key, k, value, bytes);
        records.create(key, k, value, bytes, now);
      }
      case UPDATE -> {
        V value = codec.checkValueType(entry.value());
        byte[] bytes = codec.valueBytes(value);
        writer.write(key, k, value, bytes);
        records.update(key, k, value, bytes, existing, now);
      }
      case REMOVE -> {
        writer.delete(key, k);
        if (existing != null) {
          records.remove(key, k, existing);
        }
      }
    }
  }
}
