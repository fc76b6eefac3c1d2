package dev.tiercache.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import javax.cache.integration.CacheLoaderException;

/**
 * A read-through load that failed, kept briefly beside the cache so that callers that were already
 * waiting for that load get its failure instead of each calling the loader again. Only callers that
 * started waiting before {@link #failedAt()} (cluster time) are answered with it; a later get loads
 * afresh.
 */
public final class LoadFailure implements IdentifiedDataSerializable {

  private long failedAt;
  private String message;
  private byte[] cause;

  /** For deserialization only. */
  public LoadFailure() {}

  public LoadFailure(long failedAt, CacheLoaderException failure) {
    this.failedAt = failedAt;
    this.message = failure.getMessage();
    this.cause = serialize(failure.getCause());
  }

  public long failedAt() {
    return failedAt;
  }

  /** The failure as the waiting caller sees it: same message, same cause where it could travel. */
  public CacheLoaderException toException() {
    Throwable original = deserialize(cause);
    CacheLoaderException e = new CacheLoaderException(message, original);
    return e;
  }

  private static byte[] serialize(Throwable t) {
    if (t == null) {
      return null;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(t);
      return bytes.toByteArray();
    } catch (IOException | RuntimeException e) {
      return null; // not serializable: the waiters get the message only
    }
  }

  private static Throwable deserialize(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      return (Throwable) in.readObject();
    } catch (IOException | ClassNotFoundException | RuntimeException e) {
      return null;
    }
  }

  @Override
  public int getFactoryId() {
    return RecordSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return RecordSerialization.LOAD_FAILURE;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeLong(failedAt);
    out.writeString(message);
    out.writeByteArray(cause);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    failedAt = in.readLong();
    message = in.readString();
    cause = in.readByteArray();
  }
}
