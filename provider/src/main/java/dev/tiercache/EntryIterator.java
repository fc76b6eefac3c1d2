package dev.tiercache;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import javax.cache.Cache;

/**
 * The cache's iterator: walks a snapshot of the keys and reads each entry when it is reached, so every
 * {@code next()} is a real read: expired entries are skipped, the access rule of the expiry policy
 * applies and hits are counted; it never loads, and does not fill the near cache. {@code remove()} is a
 * full cache remove (writer, event, statistics).
 */
final class EntryIterator<K, V> implements Iterator<Cache.Entry<K, V>> {

  private final Iterator<Object> keys;
  private final Reads<K, V> reads;
  private final KeyValueCodec<K, V> codec;
  private final Runnable checkOpen;
  private final Consumer<K> remove;
  private Cache.Entry<K, V> next;
  private Cache.Entry<K, V> last;

  EntryIterator(Iterator<Object> keys, Reads<K, V> reads, KeyValueCodec<K, V> codec, Runnable checkOpen,
      Consumer<K> remove) {
    this.keys = keys;
    this.reads = reads;
    this.codec = codec;
    this.checkOpen = checkOpen;
    this.remove = remove;
  }

  @Override
  public boolean hasNext() {
    checkOpen.run();
    while (next == null && keys.hasNext()) {
      @SuppressWarnings("unchecked")
      K key = (K) keys.next();
      V value = reads.readAndTouchWithoutCaching(codec.keyData(key));
      if (value != null) {
        next = new TierCacheEntry<>(key, value);
      }
    }
    return next != null;
  }

  @Override
  public Cache.Entry<K, V> next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    last = next;
    next = null;
    return last;
  }

  @Override
  public void remove() {
    checkOpen.run();
    if (last == null) {
      throw new IllegalStateException("next() has not returned an entry to remove");
    }
    remove.accept(last.getKey());
    last = null;
  }
}
