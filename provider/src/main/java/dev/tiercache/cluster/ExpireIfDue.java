package dev.tiercache.cluster;

import com.hazelcast.instance.impl.Node;
import com.hazelcast.internal.services.NodeAware;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.Map;

/**
 * The expiry sweeper's look at one entry, on the key's owner: an entry whose time has come is removed
 * there and then and, where the cache has listeners, its EXPIRED event published there
 * ({@link RemoteListeners}); one operation where locking, reading, deleting, publishing and unlocking
 * took five. Like any change it waits for the key's lock if another caller holds it.
 *
 * <p>The result: {@link #EXPIRED} if it removed the entry, {@link #GONE} if there is nothing to look at
 * again (no entry, or a lease, which ends with its Hazelcast time to live and has no event), else the
 * entry's expiry time, to look again then. The backups remove what the primary removed.
 */
public final class ExpireIfDue implements EntryProcessor<Object, CacheRecord, Long>, IdentifiedDataSerializable,
    NodeAware {

  /** Result: the entry was due and is removed. */
  public static final long EXPIRED = -1;
  /** Result: nothing to look at again. */
  public static final long GONE = -2;

  private boolean backup;
  /** Set where a listener takes EXPIRED events: how to publish it. */
  private OwnerEvents events;
  private transient boolean removed;
  private transient Node node;

  /** For deserialization only. */
  public ExpireIfDue() {}

  private ExpireIfDue(boolean backup) {
    this.backup = backup;
  }

  /** A look that publishes nothing (nobody listens for EXPIRED events). */
  public static ExpireIfDue quietly() {
    return new ExpireIfDue(false);
  }

  /** A look that publishes the EXPIRED event of the cache map {@code mapName}; {@code waiting} may be null. */
  public static ExpireIfDue publishing(String mapName, byte[] key, RemoteListeners.Waiting waiting) {
    ExpireIfDue look = new ExpireIfDue(false);
    look.events = OwnerEvents.of(mapName, key, waiting);
    return look;
  }

  @Override
  public void setNode(Node node) {
    this.node = node;
  }

  @Override
  public Long process(Map.Entry<Object, CacheRecord> entry) {
    CacheRecord record = entry.getValue();
    if (backup) {
      if (record != null) {
        entry.setValue(null);
      }
      return GONE;
    }
    if (record == null || record.isLease()) {
      return GONE;
    }
    if (!record.isExpiredAt(System.currentTimeMillis())) {
      return record.expiresAt() == CacheRecord.ETERNAL ? GONE : record.expiresAt();
    }
    entry.setValue(null);
    removed = true;
    if (events != null) {
      events.publish(node, RemoteListeners.EXPIRED, record.value(), record.value(), true);
    }
    return EXPIRED;
  }

  @Override
  public EntryProcessor<Object, CacheRecord, Long> getBackupProcessor() {
    return removed ? new ExpireIfDue(true) : null;
  }

  @Override
  public int getFactoryId() {
    return RecordSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return RecordSerialization.EXPIRE_IF_DUE;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeBoolean(backup);
    OwnerEvents.write(out, events);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    backup = in.readBoolean();
    events = OwnerEvents.read(in);
  }
}
