package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.internal.serialization.Data;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.cache.Cache;
import javax.cache.integration.CacheWriter;
import javax.cache.integration.CacheWriterException;
import org.junit.jupiter.api.Test;

/** The writer's one call site: what reaches the writer, and the one rule by which its failures reach the caller. */
class ChangeWriterTest {

  @Test
  void aWriterFailureReachesTheCallerAsACacheWriterExceptionNamingTheCacheAndKey() {
    IllegalStateException cause = new IllegalStateException("connection refused");
    ChangeWriter<String, String> writer = ChangeWriter.through("orders", new FakeWriter(cause));

    CacheWriterException write = assertThrows(CacheWriterException.class, () -> writer.write("k1", null, "v", null));
    assertSame(cause, write.getCause());
    assertEquals("Writer of cache orders failed for key k1", write.getMessage());

    CacheWriterException delete = assertThrows(CacheWriterException.class, () -> writer.delete("k1", null));
    assertSame(cause, delete.getCause());
    assertEquals("Writer of cache orders failed to delete key k1", delete.getMessage());
  }

  @Test
  void theWritersOwnCacheWriterExceptionIsThrownAsItIs() {
    CacheWriterException own = new CacheWriterException("rejected by the writer");
    ChangeWriter<String, String> writer = ChangeWriter.through("orders", new FakeWriter(own));

    assertSame(own, assertThrows(CacheWriterException.class, () -> writer.write("k1", null, "v", null)));
    assertSame(own, assertThrows(CacheWriterException.class, () -> writer.delete("k1", null)));
    assertSame(own, writer.writeAll(List.of(new TierCacheEntry<>("k1", "v"))).failure());
  }

  @Test
  void aWriteReachesTheWriterWithItsKeyAndValue() {
    FakeWriter fake = new FakeWriter(null);
    ChangeWriter<String, String> writer = ChangeWriter.through("orders", fake);

    writer.write("k1", null, "v1", null);
    writer.delete("k2", null);

    assertEquals(List.of("write k1=v1", "delete k2"), fake.calls);
  }

  @Test
  void aPartialBatchFailureLeavesExactlyTheEntriesTheWriterDidNotTake() {
    FakeWriter fake = new FakeWriter(new RuntimeException("row 2 failed"));
    fake.takeBeforeFailing = 1;
    ChangeWriter<String, String> writer = ChangeWriter.through("orders", fake);

    ChangeWriter.Outcome written = writer.writeAll(List.of(new TierCacheEntry<>("k1", "a"),
        new TierCacheEntry<>("k2", "b"), new TierCacheEntry<>("k3", "c")));
    assertEquals(Set.of("k2", "k3"), written.notTaken());
    assertEquals("Writer of cache orders failed", written.failure().getMessage());
    assertThrows(CacheWriterException.class, written::throwIfFailed);

    fake.takeBeforeFailing = 1;
    ChangeWriter.Outcome deleted = writer.deleteAll(locked("k1", "k2"));
    assertEquals(Set.of("k2"), deleted.notTaken());
    assertTrue(deleted.failure().getCause() instanceof RuntimeException);
  }

  @Test
  void aBatchTheWriterTakesWholeLeavesNothingAndThrowsNothing() {
    FakeWriter fake = new FakeWriter(null);
    ChangeWriter<String, String> writer = ChangeWriter.through("orders", fake);

    ChangeWriter.Outcome outcome = writer.writeAll(List.of(new TierCacheEntry<>("k1", "a"),
        new TierCacheEntry<>("k2", "b")));
    assertTrue(outcome.notTaken().isEmpty());
    assertNull(outcome.failure());
    outcome.throwIfFailed();
    assertEquals(List.of("write k1=a", "write k2=b"), fake.calls);
  }

  @Test
  void withoutWriteThroughNothingIsWrittenAndPutsNeedNoLock() {
    ChangeWriter<String, String> none = ChangeWriter.none();
    assertFalse(none.writesThrough());
    assertFalse(none.takesBatches());
    none.write("k1", null, "v", null);
    none.delete("k1", null);
    assertSame(ChangeWriter.Outcome.ALL_TAKEN, none.deleteAll(locked("k1")));

    ChangeWriter<String, String> through = ChangeWriter.through("orders", new FakeWriter(null));
    assertTrue(through.writesThrough());
    assertTrue(through.takesBatches());
  }

  /** Keys as a batch holds them locked (their serialized forms do not matter to the writer). */
  private static List<Map.Entry<String, Data>> locked(String... keys) {
    List<Map.Entry<String, Data>> locked = new ArrayList<>();
    for (String key : keys) {
      locked.add(new AbstractMap.SimpleEntry<>(key, null));
    }
    return locked;
  }

  /** Records its calls; takes {@code takeBeforeFailing} entries of a batch, then throws {@code failure} (if any). */
  private static final class FakeWriter implements CacheWriter<String, String> {
    final List<String> calls = new ArrayList<>();
    final RuntimeException failure;
    int takeBeforeFailing;

    FakeWriter(RuntimeException failure) {
      this.failure = failure;
    }

    @Override
    public void write(Cache.Entry<? extends String, ? extends String> entry) {
      fail();
      calls.add("write " + entry.getKey() + "=" + entry.getValue());
    }

    @Override
    public void writeAll(Collection<Cache.Entry<? extends String, ? extends String>> entries) {
      for (Iterator<Cache.Entry<? extends String, ? extends String>> it = entries.iterator(); it.hasNext(); ) {
        Cache.Entry<? extends String, ? extends String> entry = it.next();
        if (failure != null && takeBeforeFailing-- <= 0) {
          fail();
        }
        calls.add("write " + entry.getKey() + "=" + entry.getValue());
        it.remove();
      }
    }

    @Override
    public void delete(Object key) {
      fail();
      calls.add("delete " + key);
    }

    @Override
    public void deleteAll(Collection<?> keys) {
      for (Iterator<?> it = keys.iterator(); it.hasNext(); ) {
        Object key = it.next();
        if (failure != null && takeBeforeFailing-- <= 0) {
          fail();
        }
        calls.add("delete " + key);
        it.remove();
      }
    }

    private void fail() {
      if (failure != null) {
        throw failure;
      }
    }
  }
}
