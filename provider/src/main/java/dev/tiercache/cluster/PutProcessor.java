package dev.tiercache.cluster;

import com.hazelcast.instance.impl.Node;
import com.hazelcast.internal.services.NodeAware;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A JCache {@code put} done in one step on the key's owner, for caches where nothing on the calling
 * member needs to take part (no writer, no listeners, an expiry policy whose durations are constants).
 * One partition operation instead of lock, read, write and unlock. Hazelcast runs it under the same
 * per-key lock the other operations take, so it never interleaves with them.
 *
 * <p>The result says what happened, for statistics and the expiry sweeper: the new expiry time if the
 * value was stored, else {@link #NOT_STORED_CREATED} or {@link #NOT_STORED_UPDATED} (a zero duration).
 * A cache that refreshes also sends when the value is due for a refresh, counted from the put like its
 * expiry ({@link #ETERNAL}: never); an update that keeps its expiry keeps its refresh time too.
 *
 * <p>On a cache with entry listeners the primary also publishes the events of what it did, there and
 * then ({@link RemoteListeners}): EXPIRED for an expired entry it replaces, then CREATED or UPDATED (or
 * EXPIRED for an update whose expiry is zero); the last one names the caller's wait for synchronous
 * listeners. The backups get a copy that publishes nothing.
 */
public final class PutProcessor implements EntryProcessor<Object, CacheRecord, Long>, IdentifiedDataSerializable,
    NodeAware {

  /** Duration value meaning "never expires". */
  public static final long ETERNAL = -1;
  /** Update-duration value meaning "keep the current expiry" (the policy answers null). */
  public static final long UNCHANGED = -2;
  /** Result: the entry was absent and its creation expiry was zero, so nothing was stored. */
  public static final long NOT_STORED_CREATED = -1;
  /** Result: the entry existed and its update expiry was zero, so it was removed. */
  public static final long NOT_STORED_UPDATED = -2;
  /** Result: as {@link #NOT_STORED_CREATED}, over an expired entry whose EXPIRED event was published. */
  public static final long NOT_STORED_AFTER_EXPIRY = -3;

  private static final long BACKSTOP_TTL_MARGIN_MILLIS = 5_000;

  private byte[] value;
  private long creationMillis;
  private long updateMillis;
  private long creationRefreshMillis = ETERNAL;
  private long updateRefreshMillis = ETERNAL;
  /** Set where the cache has listeners: how to publish the put's events. */
  private OwnerEvents events;
  private transient Node node;

  /** For deserialization only. */
  public PutProcessor() {}

  public PutProcessor(byte[] value, long creationMillis, long updateMillis) {
    this.value = value;
    this.creationMillis = creationMillis;
    this.updateMillis = updateMillis;
  }

  /** With the refresh times of a cache that refreshes (milliseconds after the put, or {@link #ETERNAL}). */
  public PutProcessor(byte[] value, long creationMillis, long updateMillis, long creationRefreshMillis,
      long updateRefreshMillis) {
    this(value, creationMillis, updateMillis);
    this.creationRefreshMillis = creationRefreshMillis;
    this.updateRefreshMillis = updateRefreshMillis;
  }

  /** This put publishing its events (see the class comment); {@code waiting} may be {@code null}. */
  PutProcessor publishing(String mapName, byte[] key, RemoteListeners.Waiting waiting) {
    this.events = OwnerEvents.of(mapName, key, waiting);
    return this;
  }

  @Override
  public void setNode(Node node) {
    this.node = node;
  }

  @Override
  public EntryProcessor<Object, CacheRecord, Long> getBackupProcessor() {
    return events == null ? this
        : new PutProcessor(value, creationMillis, updateMillis, creationRefreshMillis, updateRefreshMillis);
  }

  @Override
  public Long process(Map.Entry<Object, CacheRecord> entry) {
    long now = System.currentTimeMillis();
    CacheRecord old = entry.getValue();
    CacheRecord expired = null;
    if (old != null && old.isExpiredAt(now)) {
      expired = old.isLease() ? null : old;
      old = null;
    }
    long expiresAt;
    long refreshAt;
    if (old == null) {
      expiresAt = expiryTime(creationMillis, now);
      refreshAt = expiryTime(creationRefreshMillis, now);
    } else if (updateMillis == UNCHANGED) {
      expiresAt = old.expiresAt();
      refreshAt = old.refreshAt();
    } else {
      expiresAt = expiryTime(updateMillis, now);
      refreshAt = expiryTime(updateRefreshMillis, now);
    }
    if (expiresAt <= now) {
      if (entry.getValue() != null) {
        entry.setValue(null);
      }
      if (old != null) {
        publish(expired, RemoteListeners.EXPIRED, old.value(), old.value());
        return NOT_STORED_UPDATED;
      }
      publish(null, 0, null, null);
      return expired == null ? NOT_STORED_CREATED : NOT_STORED_AFTER_EXPIRY;
    }
    CacheRecord next = CacheRecord.refreshing(value, expiresAt, refreshAt,
        old == null ? CacheRecord.firstVersion() : old.version() + 1);
    if (expiresAt == CacheRecord.ETERNAL) {
      entry.setValue(next);
    } else {
      ((ExtendedMapEntry<Object, CacheRecord>) entry)
          .setValue(next, expiresAt - now + BACKSTOP_TTL_MARGIN_MILLIS, TimeUnit.MILLISECONDS);
    }
    if (old == null) {
      publish(expired, RemoteListeners.CREATED, value, null);
    } else {
      publish(expired, RemoteListeners.UPDATED, value, old.value());
    }
    return expiresAt;
  }

  /**
   * Publishes the EXPIRED event of {@code expired} if there is one, then the event of the put
   * ({@code type} 0: none); the last of them carries the caller's wait.
   */
  private void publish(CacheRecord expired, int type, byte[] newValue, byte[] oldValue) {
    if (events == null) {
      return;
    }
    if (expired != null) {
      events.publish(node, RemoteListeners.EXPIRED, expired.value(), expired.value(), type == 0);
    }
    if (type != 0) {
      events.publish(node, type, newValue, oldValue, true);
    }
  }

  private static long expiryTime(long durationMillis, long now) {
    if (durationMillis == ETERNAL) {
      return CacheRecord.ETERNAL;
    }
    long time = now + durationMillis;
    return time < now ? CacheRecord.ETERNAL : time;
  }

  @Override
  public int getFactoryId() {
    return RecordSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return RecordSerialization.PUT_PROCESSOR;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeLong(creationMillis);
    out.writeLong(updateMillis);
    out.writeLong(creationRefreshMillis);
    out.writeLong(updateRefreshMillis);
    out.writeByteArray(value);
    OwnerEvents.write(out, events);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    creationMillis = in.readLong();
    updateMillis = in.readLong();
    creationRefreshMillis = in.readLong();
    updateRefreshMillis = in.readLong();
    value = in.readByteArray();
    events = OwnerEvents.read(in);
  }
}
