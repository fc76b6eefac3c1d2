package dev.tiercache.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A change of one key that write-behind has acknowledged and not yet written to the system of record:
 * the latest value (or a delete), when the key first became pending, and when it last changed. Held in
 * the cache's pending map, which Hazelcast partitions and backs up like the cache itself, so a member
 * crash loses none. Later changes of the same key replace the value and keep {@link #since()}, which
 * coalesces them and bounds how long a busy key waits.
 *
 * <p>{@link #changedAt()} comes from {@link #ownerClock()} on the member that owns the key when the
 * change is recorded; the flusher, on that same member, reads the clock before it reads the changes,
 * and afterwards removes only changes older than that reading, so a change that arrives while a batch
 * is being written is never removed unwritten.
 */
public final class PendingWrite implements IdentifiedDataSerializable {

  private static final AtomicLong OWNER_CLOCK = new AtomicLong();

  private byte[] value;
  private long since;
  private long changedAt;

  /** For deserialization only. */
  public PendingWrite() {}

  PendingWrite(byte[] value, long since, long changedAt) {
    this.value = value;
    this.since = since;
    this.changedAt = changedAt;
  }

  /**
   * This JVM's clock for pending changes: wall-clock milliseconds, but strictly increasing from one
   * reading to the next (and never going backwards with the wall clock), so a reading taken before the
   * flusher reads the changes is later than every change already recorded, and earlier than every change
   * recorded afterwards. It runs ahead of the wall clock only beyond a thousand readings a millisecond.
   */
  public static long ownerClock() {
    long now = System.currentTimeMillis();
    return OWNER_CLOCK.updateAndGet(last -> Math.max(last + 1, now));
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

  /** {@link #ownerClock()} reading of the key's owner when the key last changed. */
  public long changedAt() {
    return changedAt;
  }

  /** The change an unwritten record holds ({@link CacheRecord#isUnwritten()}), to write like a pending one. */
  public static PendingWrite ofUnwrittenRecord(CacheRecord record) {
    return new PendingWrite(record.value(), record.unwrittenSince(), 0);
  }

  /** The change to record, as one step on the key's owner (keeps {@code since} of a pending key). */
  public static EntryProcessor<Object, PendingWrite, Object> record(byte[] value, long now) {
    return new Recorder(value, now);
  }

  /**
   * Removes changes that have been written: each key's change only if it has not changed since
   * {@code readAt} (an {@link #ownerClock()} reading taken before the changes were read).
   */
  public static EntryProcessor<Object, PendingWrite, Object> removeWrittenBefore(long readAt) {
    return new Remover(readAt);
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
    out.writeLong(changedAt);
    out.writeByteArray(value);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    since = in.readLong();
    changedAt = in.readLong();
    value = in.readByteArray();
  }

  /** Records a change for a key, coalescing with what is already pending. */
  static final class Recorder implements EntryProcessor<Object, PendingWrite, Object>, IdentifiedDataSerializable {
    private byte[] value;
    private long now;
    private long changedAt;

    /** For deserialization only. */
    public Recorder() {}

    Recorder(byte[] value, long now) {
      this.value = value;
      this.now = now;
    }

    @Override
    public Object process(Map.Entry<Object, PendingWrite> entry) {
      if (changedAt == 0) {
        // Stamped once, on the primary; Hazelcast sends this processor, stamp included, to the backups,
        // so every replica holds the same change and the removal decides the same way on each.
        changedAt = ownerClock();
      }
      PendingWrite current = entry.getValue();
      entry.setValue(new PendingWrite(value, current == null ? now : current.since, changedAt));
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
      out.writeLong(changedAt);
      out.writeByteArray(value);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      now = in.readLong();
      changedAt = in.readLong();
      value = in.readByteArray();
    }
  }

  /** Removes written changes unless they changed after the flusher read them. */
  static final class Remover implements EntryProcessor<Object, PendingWrite, Object>, IdentifiedDataSerializable {
    private long readAt;

    /** For deserialization only. */
    public Remover() {}

    Remover(long readAt) {
      this.readAt = readAt;
    }

    @Override
    public Object process(Map.Entry<Object, PendingWrite> entry) {
      PendingWrite current = entry.getValue();
      if (current != null && current.changedAt < readAt) {
        entry.setValue(null);
      }
      return null;
    }

    @Override
    public int getFactoryId() {
      return RecordSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return RecordSerialization.PENDING_WRITE_REMOVER;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeLong(readAt);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      readAt = in.readLong();
    }
  }
}
