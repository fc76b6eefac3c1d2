package dev.tiercache;

import com.hazelcast.internal.serialization.Data;
import dev.tiercache.integration.WriteBehind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;

/**
 * Where a cache's changes go besides L2, chosen once when the cache is built: nowhere (write-through
 * off), to the {@link CacheWriter} now (write-through), or into write-behind's durable record of them.
 * Called while the caller holds the keys' locks, before the cache changes, so a writer failure leaves
 * the cache as it was. Every call of the writer goes through {@link #call}, the one place where a
 * writer's exception becomes the {@link CacheWriterException} the caller sees.
 */
abstract sealed class ChangeWriter<K, V> {

  /** What a batch call left: the keys the writer did not take, and its failure (or {@code null}). */
  record Outcome(Set<Object> notTaken, CacheWriterException failure) {
    static final Outcome ALL_TAKEN = new Outcome(Set.of(), null);

    /** Throws the writer's failure, once the cache has applied what the writer took. */
    void throwIfFailed() {
      ChangeWriter.throwIfFailed(failure);
    }
  }

  static <K, V> ChangeWriter<K, V> none() {
    return new None<>();
  }

  static <K, V> ChangeWriter<K, V> through(String cacheName, CacheWriter<K, V> writer) {
    return new Through<>(cacheName, writer);
  }

  static <K, V> ChangeWriter<K, V> behind(WriteBehind<K, V> writeBehind) {
    return new Behind<>(writeBehind);
  }

  /** Whether changes go anywhere but L2 (write-through or write-behind): a put then cannot skip the lock. */
  abstract boolean writesThrough();

  /** Whether a {@code putAll} hands its entries to the writer as one batch ({@link #writeAll}). */
  boolean takesBatches() {
    return false;
  }

  /** A new value of {@code key}. */
  abstract void write(K key, Data k, V value, byte[] bytes);

  /** A removal of {@code key}, present or not. */
  abstract void delete(K key, Data k);

  /** Writes the batch (only where {@link #takesBatches()}); the cache applies exactly what was taken. */
  Outcome writeAll(List<Cache.Entry<? extends K, ? extends V>> batch) {
    throw new UnsupportedOperationException("writeAll without write-through");
  }

  /** Deletes the locked keys; the cache removes exactly what was taken. */
  abstract Outcome deleteAll(List<Map.Entry<K, Data>> locked);

  /** Write-through off: nothing to write. */
  private static final class None<K, V> extends ChangeWriter<K, V> {
    @Override
    boolean writesThrough() {
      return false;
    }

    @Override
    void write(K key, Data k, V value, byte[] bytes) {}

    @Override
    void delete(K key, Data k) {}

    @Override
    Outcome deleteAll(List<Map.Entry<K, Data>> locked) {
      return Outcome.ALL_TAKEN;
    }
  }

  /** Write-through: the application's writer, called now, on this member. */
  private static final class Through<K, V> extends ChangeWriter<K, V> {
    private final String cacheName;
    private final CacheWriter<K, V> writer;

    Through(String cacheName, CacheWriter<K, V> writer) {
      this.cacheName = cacheName;
      this.writer = writer;
    }

    @Override
    boolean writesThrough() {
      return true;
    }

    @Override
    boolean takesBatches() {
      return true;
    }

    @Override
    void write(K key, Data k, V value, byte[] bytes) {
      throwIfFailed(call(() -> writer.write(new TierCacheEntry<>(key, value)), " for key " + key));
    }

    @Override
    void delete(K key, Data k) {
      throwIfFailed(call(() -> writer.delete(key), " to delete key " + key));
    }

    @Override
    Outcome writeAll(List<Cache.Entry<? extends K, ? extends V>> batch) {
      List<Cache.Entry<? extends K, ? extends V>> unwritten = new ArrayList<>(batch);
      CacheWriterException failure = call(() -> {
        writer.writeAll(unwritten);
        unwritten.clear();
      }, "");
      Set<Object> notTaken = new HashSet<>();
      for (Cache.Entry<? extends K, ? extends V> e : unwritten) {
        notTaken.add(e.getKey());
      }
      return new Outcome(notTaken, failure);
    }

    @Override
    Outcome deleteAll(List<Map.Entry<K, Data>> locked) {
      List<Object> remaining = new ArrayList<>();
      for (Map.Entry<K, Data> e : locked) {
        remaining.add(e.getKey());
      }
      CacheWriterException failure = call(() -> {
        writer.deleteAll(remaining);
        remaining.clear();
      }, "");
      return new Outcome(new HashSet<>(remaining), failure);
    }

    /**
     * The one call site of the writer: runs {@code call} and answers its failure as a
     * {@link CacheWriterException} (the writer's own, or one that names the cache and wraps the cause),
     * or {@code null} if it succeeded.
     */
    private CacheWriterException call(WriterCall call, String what) {
      try {
        call.run();
        return null;
      } catch (CacheWriterException e) {
        return e;
      } catch (Exception e) {
        return new CacheWriterException("Writer of cache " + cacheName + " failed" + what, e);
      }
    }
  }

  /** A call of the application's writer. */
  @FunctionalInterface
  interface WriterCall {
    void run() throws Exception;
  }

  /** Write-behind: the change is recorded durably in the cluster and written later (see {@link WriteBehind}). */
  private static final class Behind<K, V> extends ChangeWriter<K, V> {
    private final WriteBehind<K, V> writeBehind;

    Behind(WriteBehind<K, V> writeBehind) {
      this.writeBehind = writeBehind;
    }

    @Override
    boolean writesThrough() {
      return true;
    }

    @Override
    void write(K key, Data k, V value, byte[] bytes) {
      writeBehind.recordWrite(k, bytes);
    }

    @Override
    void delete(K key, Data k) {
      writeBehind.recordDelete(k);
    }

    @Override
    Outcome deleteAll(List<Map.Entry<K, Data>> locked) {
      for (Map.Entry<K, Data> e : locked) {
        writeBehind.recordDelete(e.getValue());
      }
      return Outcome.ALL_TAKEN;
    }
  }

  private static void throwIfFailed(CacheWriterException failure) {
    if (failure != null) {
      throw failure;
    }
  }
}
