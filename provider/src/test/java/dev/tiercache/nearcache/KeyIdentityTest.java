package dev.tiercache.nearcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import dev.tiercache.TestCluster;
import dev.tiercache.TierCache;
import dev.tiercache.TierCacheConfiguration;
import dev.tiercache.config.NearCacheSettings;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * L1 finds an entry exactly when L2 would. Two equal {@code HashSet}s whose elements collide in one bucket
 * iterate, and so serialize, in their insertion orders: L2 holds them as two keys. The near cache must say
 * the same, on the member that read the entry and after a change on another member.
 */
class KeyIdentityTest {

  @RegisterExtension
  static final TestCluster.PerClass cluster = new TestCluster.PerClass(2);

  @AfterEach
  void destroy() {
    for (int i = 0; i < cluster.size(); i++) {
      cluster.manager(i).destroyCache("keys");
    }
  }

  /** "Aa" and "BB" have the same hash code: a HashSet keeps them in insertion order. */
  private static Set<String> set(String first, String second) {
    Set<String> set = new HashSet<>();
    set.add(first);
    set.add(second);
    return set;
  }

  @SuppressWarnings("unchecked")
  private static TierCache<Object, String> open(int member) {
    TierCacheConfiguration<Object, String> configuration = new TierCacheConfiguration<>();
    configuration.setNearCache(NearCacheSettings.DEFAULTS).setTypes(Object.class, String.class);
    return cluster.manager(member).createCache("keys", configuration).unwrap(TierCache.class);
  }

  @Test
  void equalKeysWithOtherBytesGetL2sAnswerFromL1() throws Exception {
    Set<String> one = set("Aa", "BB");
    Set<String> other = set("BB", "Aa");
    assertEquals(one, other);
    SerializationService serialization = ((SerializationServiceSupport) cluster.manager(0)
        .unwrap(HazelcastInstance.class)).getSerializationService();
    assertNotEquals((Object) serialization.toData(one), serialization.toData(other), "the premise: other bytes");

    TierCache<Object, String> a = open(0);
    TierCache<Object, String> b = open(1);
    a.put(one, "v");
    assertEquals("v", a.get(one));
    assertEquals("v", a.get(one), "now from L1");
    assertEquals(1, a.nearCache().orElseThrow().snapshot().size(), "held in L1");
    assertNull(a.get(other), "L2 holds no entry under the other bytes, so neither does L1");
    assertFalse(a.containsKey(other));
    assertEquals("v", a.get(one));

    b.remove(one);
    await(() -> a.nearCache().orElseThrow().snapshot().isEmpty(), "B's remove drops A's L1 entry");
    assertNull(a.get(one));
  }

  @Test
  void keysThatAgreeWithTheirBytesAreHeldAsThemselves() {
    assertTrue(KeyIdentity.byValue(String.class));
    assertTrue(KeyIdentity.byValue(Long.class));
    assertTrue(KeyIdentity.byValue(UUID.class));
    assertTrue(KeyIdentity.byValue(Plain.class), "a record of immutables, with the record's own equals");
    assertFalse(KeyIdentity.byValue(CaseInsensitive.class), "a class of the application's, with its own equals");
    assertFalse(KeyIdentity.byValue(HashSet.class));
    assertFalse(KeyIdentity.byValue(LinkedHashSet.class));
    assertFalse(KeyIdentity.byValue(List.class));

    TierCache<Object, String> a = open(0);
    a.put(new CaseInsensitive("Key"), "v");
    a.get(new CaseInsensitive("Key"));
    assertNull(a.get(new CaseInsensitive("KEY")), "equal by its equals, but L2 compares bytes");
  }

  record Plain(String name, long id) implements java.io.Serializable {}

  /** A key class whose equals ignores what its serialized form keeps (the case of its name). */
  static final class CaseInsensitive implements java.io.Serializable {
    private final String name;

    CaseInsensitive(String name) {
      this.name = name;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof CaseInsensitive c && c.name.equalsIgnoreCase(name);
    }

    @Override
    public int hashCode() {
      return name.toLowerCase(java.util.Locale.ROOT).hashCode();
    }
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      assertTrue(System.currentTimeMillis() < deadline, what);
      Thread.sleep(10);
    }
  }
}
