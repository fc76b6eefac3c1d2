package dev.tiercache.cluster;

import static com.hazelcast.internal.util.UUIDSerializationUtil.readUUID;
import static com.hazelcast.internal.util.UUIDSerializationUtil.writeUUID;

import com.hazelcast.instance.impl.Node;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.UUID;

/**
 * What an entry processor needs to publish the events of the change it makes on the key's owner
 * ({@link RemoteListeners}): the cache's map, the key serialized, and the caller's wait for synchronous
 * listeners, which the last event of the change names. Carried by {@link PutProcessor} and
 * {@link ExpireIfDue}; {@code null} where nobody listens.
 */
final class OwnerEvents {

  private final String mapName;
  private final byte[] key;
  private final UUID waiter;
  private final long waitId;

  private OwnerEvents(String mapName, byte[] key, UUID waiter, long waitId) {
    this.mapName = mapName;
    this.key = key;
    this.waiter = waiter;
    this.waitId = waitId;
  }

  /** {@code waiting} may be {@code null}: nobody waits. */
  static OwnerEvents of(String mapName, byte[] key, RemoteListeners.Waiting waiting) {
    return waiting == null ? new OwnerEvents(mapName, key, null, 0)
        : new OwnerEvents(mapName, key, waiting.waiter, waiting.id);
  }

  /** Publishes one event of the change from the member {@code node}; the {@code last} one names the wait. */
  void publish(Node node, int type, byte[] value, byte[] oldValue, boolean last) {
    RemoteListeners.Event event = new RemoteListeners.Event(type, key, value, oldValue, null);
    if (last) {
      event.waiter = waiter;
      event.waitId = waitId;
    }
    RemoteListeners.publish(node, mapName, event);
  }

  /** Writes {@code events}, which may be {@code null}. */
  static void write(ObjectDataOutput out, OwnerEvents events) throws IOException {
    out.writeString(events == null ? null : events.mapName);
    if (events != null) {
      out.writeByteArray(events.key);
      out.writeLong(events.waitId);
      writeUUID(out, events.waiter);
    }
  }

  /** Reads what {@link #write} wrote: {@code null} or the events. */
  static OwnerEvents read(ObjectDataInput in) throws IOException {
    String mapName = in.readString();
    if (mapName == null) {
      return null;
    }
    byte[] key = in.readByteArray();
    long waitId = in.readLong();
    return new OwnerEvents(mapName, key, readUUID(in), waitId);
  }
}
