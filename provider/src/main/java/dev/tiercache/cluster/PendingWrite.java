package dev.tiercache.cluster;

import com.hazelcast.internal.nio.IOUtil;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.query.impl.QueryableEntry;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A change of one key that write-behind has acknowledged and not yet written to the system of record:
 * the latest value (or a delete), when the key first became pending, and when it last changed. Held in
 * the cache's pending map, which Hazelcast partitions and backs up like the cache itself, so a member
 * crash loses none. Later changes of the same key replace the value and keep {@link #since()}, which
 * coalesces them and bounds how long a busy key waits.
 *
 * <p>Each change carries a stamp unique in the cluster: {@link #ownerClock()} of the member that
 * recorded it (strictly increasing in that JVM) and that JVM's random clock id. After writing, the
 * flusher removes a key's change only if it still carries the stamp the flusher read, so a change that
 * arrives while a batch is being written is never removed unwritten, whichever member recorded it
 * (after a migration it is another member's clock, which need not agree with the flusher's).
 */
public final class PendingWrite implements IdentifiedDataSerializable {

  private static final AtomicLong OWNER_CLOCK = new AtomicLong();
  /** Tells this JVM's clock readings from every other JVM's (random, never 0). */
  private static final long CLOCK_ID = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);

  private byte[] value;
  private long since;
  private long changedAt;
  private long clock;

  /** For deserialization only. */
  public PendingWrite() {}

  PendingWrite(byte[] value, long since, long changedAt, long clock) {
    this.value = value;
    this.since = since;
    this.changedAt = changedAt;
    this.clock = clock;
  }

  /**
   * This JVM's clock for pending changes: wall-clock milliseconds, but strictly increasing from one
   * reading to the next, so no two changes recorded in this JVM share a reading.
   */
  static long ownerClock() {
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

  /** The id of the JVM clock that stamped {@link #changedAt()}. */
  long clock() {
    return clock;
  }

  /** Whether {@code other} is this very change (the same stamp), not a later one of the same key. */
  boolean isSameChange(PendingWrite other) {
    return other != null && changedAt == other.changedAt && clock == other.clock;
  }

  /** The change an unwritten record holds ({@link CacheRecord#isUnwritten()}), to write like a pending one. */
  public static PendingWrite ofUnwrittenRecord(CacheRecord record) {
    return new PendingWrite(record.value(), record.unwrittenSince(), 0, 0);
  }

  /** The change to record, as one step on the key's owner (keeps {@code since} of a pending key). */
  public static EntryProcessor<Object, PendingWrite, Object> record(byte[] value, long now) {
    return new Recorder(value, now);
  }

  /**
   * Removes changes that have been written: each key's change only if it is still the change that was
   * written ({@code written}: by key as stored, the changes as the flusher read them).
   */
  public static EntryProcessor<Object, PendingWrite, Object> removeIfUnchanged(Map<Data, PendingWrite> written) {
    return new Remover(written);
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
    out.writeLong(clock);
    out.writeByteArray(value);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    since = in.readLong();
    changedAt = in.readLong();
    clock = in.readLong();
    value = in.readByteArray();
  }

  /** Records a change for a key, coalescing with what is already pending. */
  static final class Recorder implements EntryProcessor<Object, PendingWrite, Object>, IdentifiedDataSerializable {
    private byte[] value;
    private long now;
    private long changedAt;
    private long clock;

    /** For deserialization only. */
    public Recorder() {}

    Recorder(byte[] value, long now) {
      this.value = value;
      this.now = now;
    }

    /** A recorder already stamped, as a backup receives it. */
    Recorder(byte[] value, long now, long changedAt, long clock) {
      this(value, now);
      this.changedAt = changedAt;
      this.clock = clock;
    }

    @Override
    public Object process(Map.Entry<Object, PendingWrite> entry) {
      if (changedAt == 0) {
        // Stamped once, on the primary; Hazelcast sends this processor, stamp included, to the backups,
        // so every replica holds the same change (another JVM's clock id included) and the removal
        // decides the same way on each.
        changedAt = ownerClock();
        clock = CLOCK_ID;
      }
      PendingWrite current = entry.getValue();
      entry.setValue(new PendingWrite(value, current == null ? now : current.since, changedAt, clock));
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
      out.writeLong(clock);
      out.writeByteArray(value);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      now = in.readLong();
      changedAt = in.readLong();
      clock = in.readLong();
      value = in.readByteArray();
    }
  }

  /** Removes written changes unless they changed after the flusher read them. */
  static final class Remover implements EntryProcessor<Object, PendingWrite, Object>, IdentifiedDataSerializable {
    private Map<Data, PendingWrite> written;

    /** For deserialization only. */
    public Remover() {}

    Remover(Map<Data, PendingWrite> written) {
      this.written = written;
    }

    @Override
    public Object process(Map.Entry<Object, PendingWrite> entry) {
      PendingWrite current = entry.getValue();
      if (current != null && current.isSameChange(written.get(((QueryableEntry<?, ?>) entry).getKeyData()))) {
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
      out.writeInt(written.size());
      for (Map.Entry<Data, PendingWrite> e : written.entrySet()) {
        IOUtil.writeData(out, e.getKey());
        out.writeLong(e.getValue().changedAt);
        out.writeLong(e.getValue().clock);
      }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      int size = in.readInt();
      written = new HashMap<>(size * 2);
      for (int i = 0; i < size; i++) {
        Data key = IOUtil.readData(in);
        written.put(key, new PendingWrite(null, 0, in.readLong(), in.readLong()));
      }
    }
  }
}
