package dev.tiercache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.MutableConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad input gets a clear, early answer and leaves the cache as it was. */
class BadInputTest {

  /**
   * Not Serializable. Hazelcast serializes plain classes by reflection where it can (zero-config
   * Compact serialization); a field of type Object is where it cannot.
   */
  static final class Opaque {
    final String name;
    final Object payload = new Object();

    Opaque(String name) {
      this.name = name;
    }
  }

  private CacheManager manager;
  private Cache<Object, Object> cache;
  private Cache<String, Integer> typed;

  @BeforeEach
  void setUp() {
    manager = Caching.getCachingProvider().getCacheManager();
    cache = manager.createCache("bad-input", new MutableConfiguration<>());
    typed = manager.createCache("bad-input-typed",
        new MutableConfiguration<String, Integer>().setTypes(String.class, Integer.class));
  }

  @AfterEach
  void tearDown() {
    if (!manager.isClosed()) {
      manager.destroyCache("bad-input");
      manager.destroyCache("bad-input-typed");
    }
  }

  @Test
  void nullKeysAndValuesAreRejectedWithNullPointerException() {
    assertThrows(NullPointerException.class, () -> cache.get(null));
    assertThrows(NullPointerException.class, () -> cache.put(null, "v"));
    assertThrows(NullPointerException.class, () -> cache.put("k", null));
    assertThrows(NullPointerException.class, () -> cache.getAll(null));
    Map<Object, Object> withNullValue = new HashMap<>();
    withNullValue.put("a", "1");
    withNullValue.put("b", null);
    assertThrows(NullPointerException.class, () -> cache.putAll(withNullValue));
    assertFalse(cache.containsKey("a"), "a batch with a null is rejected before anything is stored");
    assertThrows(NullPointerException.class, () -> cache.invoke("k", null));
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void wrongTypesAreRejectedWithClassCastException() {
    Cache raw = typed;
    ClassCastException wrongValue = assertThrows(ClassCastException.class, () -> raw.put("k", "not a number"));
    assertTrue(wrongValue.getMessage().contains("java.lang.Integer"), wrongValue.getMessage());
    assertThrows(ClassCastException.class, () -> raw.put(42, 1));
    assertThrows(ClassCastException.class, () -> manager.getCache("bad-input-typed", Long.class, Integer.class));
    assertEquals(0, sizeOf(typed));
  }

  @Test
  void anUnserializableValueIsRejectedNamingTheClassAndNothingIsStored() {
    cache.put("k", "before");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> cache.put("k", new Opaque("x")));
    assertTrue(e.getMessage().contains(Opaque.class.getName()), e.getMessage());
    assertTrue(e.getMessage().contains("Serializable"), e.getMessage());
    assertEquals("before", cache.get("k"), "the failed put changed nothing");
    cache.put("k", "after");
    assertEquals("after", cache.get("k"), "the cache keeps working");
  }

  @Test
  void anUnserializableKeyIsRejectedNamingTheClass() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> cache.put(new Opaque("key"), "v"));
    assertTrue(e.getMessage().contains(Opaque.class.getName()), e.getMessage());
    assertEquals(0, sizeOf(cache));
  }

  @Test
  void operationsOnAClosedCacheThrowIllegalStateException() {
    cache.close();
    assertTrue(cache.isClosed());
    assertThrows(IllegalStateException.class, () -> cache.get("k"));
    assertThrows(IllegalStateException.class, () -> cache.get(null), "closed is checked before nulls");
    assertThrows(IllegalStateException.class, () -> cache.put("k", "v"));
    assertThrows(IllegalStateException.class, () -> cache.iterator());
    assertThrows(IllegalStateException.class, () -> cache.removeAll(Set.of("k")));
  }

  @Test
  void operationsOnAClosedManagerThrowIllegalStateException() {
    manager.close();
    assertTrue(manager.isClosed());
    assertTrue(typed.isClosed(), "a closed manager's caches are closed");
    assertThrows(IllegalStateException.class, () -> manager.getCache("bad-input"));
    assertThrows(IllegalStateException.class, () -> manager.createCache("x", new MutableConfiguration<>()));
    assertThrows(IllegalStateException.class, () -> typed.put("k", 1));
    CacheManager next = Caching.getCachingProvider().getCacheManager();
    assertFalse(next.isClosed(), "the provider hands out a new manager after close");
  }

  @Test
  void storeByReferenceIsRefusedWithAnExplanation() {
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> manager.createCache("by-reference", new MutableConfiguration<>().setStoreByValue(false)));
    assertTrue(e.getMessage().contains("by value"), e.getMessage());
    assertNull(manager.getCache("by-reference"));
  }

  private static int sizeOf(Cache<?, ?> cache) {
    int n = 0;
    for (Cache.Entry<?, ?> ignored : cache) {
      n++;
    }
    return n;
  }
}
