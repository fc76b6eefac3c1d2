package dev.tiercache.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Claims the background refresh of one entry, on its owner, so that one member reloads it however many
 * members read it past its refresh time: the claim succeeds only for the version the reader saw, only
 * if that version is due (its refresh time passed), and moves the refresh time a lease ahead, so every
 * later claim fails until the reload is stored (a new version) or the lease runs out. A record holding
 * a change not yet written is never refreshed: the system of record is older than it.
 *
 * <p>The same processor with {@link #retryAt} moves the refresh time of that version unconditionally:
 * after a failed reload, so that the next try comes sooner than the lease.
 */
public final class RefreshClaim implements EntryProcessor<Object, CacheRecord, Boolean>, IdentifiedDataSerializable {

  private static final long BACKSTOP_TTL_MARGIN_MILLIS = 5_000;

  private long version;
  private long delayMillis;
  private boolean claim;

  /** For deserialization only. */
  public RefreshClaim() {}

  private RefreshClaim(long version, long delayMillis, boolean claim) {
    this.version = version;
    this.delayMillis = delayMillis;
    this.claim = claim;
  }

  /** Claims the refresh of {@code version} for {@code leaseMillis}. */
  public static RefreshClaim claim(long version, long leaseMillis) {
    return new RefreshClaim(version, leaseMillis, true);
  }

  /** Makes {@code version} due again {@code delayMillis} from now (a reload failed). */
  public static RefreshClaim retryAt(long version, long delayMillis) {
    return new RefreshClaim(version, delayMillis, false);
  }

  @Override
  public Boolean process(Map.Entry<Object, CacheRecord> entry) {
    CacheRecord record = entry.getValue();
    long now = System.currentTimeMillis();
    if (record == null || record.version() != version || record.isUnwritten() || record.isExpiredAt(now)
        || record.expiresAt() == CacheRecord.ETERNAL || (claim && record.refreshAt() > now)) {
      return Boolean.FALSE;
    }
    ((ExtendedMapEntry<Object, CacheRecord>) entry).setValue(record.withRefreshAt(now + delayMillis),
        record.expiresAt() - now + BACKSTOP_TTL_MARGIN_MILLIS, TimeUnit.MILLISECONDS);
    return Boolean.TRUE;
  }

  @Override
  public int getFactoryId() {
    return RecordSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return RecordSerialization.REFRESH_CLAIM;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeLong(version);
    out.writeLong(delayMillis);
    out.writeBoolean(claim);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    version = in.readLong();
    delayMillis = in.readLong();
    claim = in.readBoolean();
  }
}
