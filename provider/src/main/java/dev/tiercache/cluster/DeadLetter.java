package dev.tiercache.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;

/**
 * A write-behind change the system of record rejected for good (say, a constraint violation), kept in
 * the cache's dead-letter map, with the error, until someone replays or discards it. Never dropped.
 */
public final class DeadLetter implements IdentifiedDataSerializable {

  private byte[] value;
  private String error;
  private long failedAt;

  /** For deserialization only. */
  public DeadLetter() {}

  public DeadLetter(byte[] value, String error, long failedAt) {
    this.value = value;
    this.error = error;
    this.failedAt = failedAt;
  }

  /** The value that could not be written (serialized), or {@code null} for a delete. */
  public byte[] value() {
    return value;
  }

  public String error() {
    return error;
  }

  public long failedAt() {
    return failedAt;
  }

  @Override
  public int getFactoryId() {
    return RecordSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return RecordSerialization.DEAD_LETTER;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeLong(failedAt);
    out.writeString(error);
    out.writeByteArray(value);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    failedAt = in.readLong();
    error = in.readString();
    value = in.readByteArray();
  }
}
