package dev.tiercache.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.Map;

/**
 * A change of one key that write-behind has acknowledged and not yet written to the system of record:
 * the latest value (or a delete), and when the key first became pending. Held in the cache's pending
 * map, which Hazelcast partitions and backs up like the cache itself, so a member crash loses none.
 * Later changes of the same key replace the value and keep {@link #since()}, which coalesces them
 * and bounds how long a busy key waits.
 */
public final class PendingWrite implements IdentifiedDataSerializable {

  private byte[] value;
  private long since;
  private long sequence;

  /** For deserialization only. */
  public PendingWrite() {}

  PendingWrite(byte[] value, long since, long sequence) {
    this.value = value;
    this.since = since;
    this.sequence = sequence;
  }

  /** The value to write in Hazelcast's serialized form, or {@code null} for a delete. */
  public byte[] value() {
    return value;
  }

  public boolean isDelete() {
    return value == null;
  }

  /** Cluster time at which the key became pending. */
  public long since() {
    return since;
  }

  /** Changes recorded for the key since it became pending; distinguishes two states with equal values. */
  public long sequence() {
    return sequence;
  }

  /** The change to record, as one step on the key's owner (keeps {@code since} of a pending key). */
  public static EntryProcessor<Object, PendingWrite, Object> record(byte[] value, long now) {
    return new Recorder(value, now);
  }

  @Override
  public int getFactoryId() {
    return RecordSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return RecordSerialization.PENDING_WRITE;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeLong(since);
    out.writeLong(sequence);
    out.writeByteArray(value);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    since = in.readLong();
    sequence = in.readLong();
    value = in.readByteArray();
  }

  /** Records a change for a key, coalescing with what is already pending. */
  static final class Recorder implements EntryProcessor<Object, PendingWrite, Object>, IdentifiedDataSerializable {
    private byte[] value;
    private long now;

    /** For deserialization only. */
    public Recorder() {}

    Recorder(byte[] value, long now) {
      this.value = value;
      this.now = now;
    }

    @Override
    public Object process(Map.Entry<Object, PendingWrite> entry) {
      PendingWrite current = entry.getValue();
      entry.setValue(current == null
          ? new PendingWrite(value, now, 1)
          : new PendingWrite(value, current.since, current.sequence + 1));
      return null;
    }

    @Override
    public int getFactoryId() {
      return RecordSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return RecordSerialization.PENDING_WRITE_RECORDER;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeLong(now);
      out.writeByteArray(value);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      now = in.readLong();
      value = in.readByteArray();
    }
  }
}
