package dev.tiercache.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.map.IMap;
import java.util.HashSet;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * After a flush, a pending change is removed only if it is still the very change the flusher read. A
 * later change of the key recorded by another member carries that member's clock, which can read
 * earlier than the flusher's (a migration moved the key meanwhile): it must stay, whatever its clock says.
 */
class PendingWriteTest {

  private static HazelcastInstance member;
  private static SerializationService serialization;

  @BeforeAll
  static void start() {
    Config config = new Config().setClusterName("pending-write-test-" + UUID.randomUUID());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.getJetConfig().setEnabled(false);
    config.getNetworkConfig().setPortAutoIncrement(true).getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.getSerializationConfig()
        .addDataSerializableFactory(RecordSerialization.FACTORY_ID, new RecordSerialization());
    member = Hazelcast.newHazelcastInstance(config);
    serialization = ((com.hazelcast.spi.impl.AbstractDistributedObject<?>) member.getMap("x")).getNodeEngine()
        .getSerializationService();
  }

  @AfterAll
  static void stop() {
    member.shutdown();
  }

  @Test
  void aBackupHoldsTheStampThePrimaryGaveNotItsOwnClocks() {
    IMap<Object, PendingWrite> pending = member.getMap("pending-" + UUID.randomUUID());
    byte[] value = serialization.toData("v").toByteArray();
    // What a backup receives: the primary's recorder, stamped there (another JVM: clock id 4711).
    PendingWrite.Recorder stamped = new PendingWrite.Recorder(value, 1, 555, 4_711);
    PendingWrite.Recorder received = serialization.toObject(serialization.toData(stamped));

    pending.executeOnKey("k", received);

    PendingWrite held = pending.get("k");
    assertEquals(555, held.changedAt());
    assertEquals(4_711, held.clock(), "the primary's clock id, or the removal would never match on this replica");
  }

  @Test
  void onlyTheChangeThatWasReadIsRemoved() {
    IMap<Object, PendingWrite> pending = member.getMap("pending-" + UUID.randomUUID());
    byte[] value = serialization.toData("v").toByteArray();
    // What the flusher read: four changes stamped by its own clock (id 7) at 1,000.
    PendingWrite read = new PendingWrite(value, 1, 1_000, 7);
    for (String key : new String[] {"unchanged", "laterElsewhere", "sameTimeElsewhere", "notWritten"}) {
      pending.set(key, read);
    }
    // Meanwhile: a later change recorded by another member (clock 9) whose clock reads earlier, and one
    // whose reading happens to be equal.
    pending.set("laterElsewhere", new PendingWrite(value, 1, 990, 9));
    pending.set("sameTimeElsewhere", new PendingWrite(value, 1, 1_000, 9));

    Map<Data, PendingWrite> written = Map.of(
        serialization.toData("unchanged"), read,
        serialization.toData("laterElsewhere"), read,
        serialization.toData("sameTimeElsewhere"), read);
    pending.executeOnKeys(new HashSet<>(written.keySet()), PendingWrite.removeIfUnchanged(written));

    assertNull(pending.get("unchanged"), "the change that was written is removed");
    assertEquals(990, pending.get("laterElsewhere").changedAt(), "a later change stays, though its clock reads earlier");
    assertEquals(1_000, pending.get("sameTimeElsewhere").changedAt(), "another member's change with an equal reading stays");
    assertEquals(1_000, pending.get("notWritten").changedAt(), "a change that was not written stays");
  }
}
