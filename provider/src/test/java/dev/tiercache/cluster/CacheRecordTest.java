package dev.tiercache.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * Marking a serialized record written patches its bytes in place of a deserialize/serialize round
 * trip; the patched form must be exactly what serializing the marked record gives, and a form in
 * another byte order must still be handled (the long way).
 */
class CacheRecordTest {

  private static InternalSerializationService serialization(ByteOrder order) {
    return new DefaultSerializationServiceBuilder().setByteOrder(order)
        .addDataSerializableFactory(RecordSerialization.FACTORY_ID, new RecordSerialization()).build();
  }

  @Test
  void markingPatchesTheMarkAndNothingElse() {
    InternalSerializationService serialization = serialization(ByteOrder.BIG_ENDIAN);
    byte[] value = serialization.toData("a value").toByteArray();
    Data unwritten = serialization.toData(new CacheRecord(value, CacheRecord.ETERNAL, 4242L, 1_700_000_000_000L));

    Data written = CacheRecord.markedWritten(unwritten, 4242L, serialization);

    Data expected = serialization.toData(new CacheRecord(value, CacheRecord.ETERNAL, 4242L, 0));
    assertArrayEquals(expected.toByteArray(), written.toByteArray());
    CacheRecord record = serialization.toObject(written);
    assertEquals(4242L, record.version());
    assertEquals(0, record.unwrittenSince());
    assertArrayEquals(value, record.value());
  }

  @Test
  void aRecordWithAnotherVersionOrAlreadyWrittenIsLeftAlone() {
    InternalSerializationService serialization = serialization(ByteOrder.BIG_ENDIAN);
    byte[] value = serialization.toData("v").toByteArray();
    Data unwritten = serialization.toData(new CacheRecord(value, 99L, 7L, 123L));
    Data written = serialization.toData(new CacheRecord(value, 99L, 7L, 0));

    assertNull(CacheRecord.markedWritten(unwritten, 8L, serialization), "a put came in after the flusher read it");
    assertNull(CacheRecord.markedWritten(written, 7L, serialization), "already written");
  }

  @Test
  void anotherByteOrderGoesTheLongWayWithTheSameOutcome() {
    InternalSerializationService serialization = serialization(ByteOrder.LITTLE_ENDIAN);
    byte[] value = serialization.toData("v").toByteArray();
    Data unwritten = serialization.toData(new CacheRecord(value, CacheRecord.ETERNAL, 7L, 123L));

    CacheRecord record = serialization.toObject(CacheRecord.markedWritten(unwritten, 7L, serialization));

    assertEquals(7L, record.version());
    assertEquals(0, record.unwrittenSince());
    assertArrayEquals(value, record.value());
    assertNull(CacheRecord.markedWritten(unwritten, 8L, serialization));
  }
}
