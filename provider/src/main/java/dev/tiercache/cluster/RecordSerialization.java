package dev.tiercache.cluster;

import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/** Registers Tiercache's own L2 types (records, owner-side processors) with Hazelcast's compact, reflection-free serialization. */
final class RecordSerialization implements DataSerializableFactory {

  /** Chosen to stay clear of Hazelcast's internal (negative) factory ids. */
  static final int FACTORY_ID = 0x7ca1;

  static final int CACHE_RECORD = 1;
  static final int PUT_PROCESSOR = 2;
  static final int LOAD_FAILURE = 3;
  // 4, 5, 7 and 10 are retired (earlier forms of pending changes and of marking); not reused.
  static final int DEAD_LETTER = 6;
  static final int VERSION_PROBE = 8;
  static final int WRITE_BEHIND_PUT_PROCESSOR = 9;
  static final int UNWRITTEN = 11;
  static final int REMOVE_WRITTEN = 12;
  static final int MARK_WRITTEN_BACKUP = 13;
  static final int READ_RECORDS_OPERATION = 14;
  static final int RECORDS_READ = 15;
  static final int MARK_WRITTEN_OPERATION = 16;
  static final int PENDING_WRITE = 17;
  static final int PENDING_WRITE_RECORDER = 18;
  static final int PENDING_WRITE_REMOVER = 19;
  static final int CACHE_PROBE = 20;
  static final int REFRESH_CLAIM = 21;
  static final int NOT_LEASE = 22;
  static final int PARTITION_HISTORIES = 23;
  static final int PARTITION_HISTORIES_ANSWER = 24;
  static final int LISTENERS_QUESTION = 25;
  static final int LISTENERS_TELLING = 26;
  static final int ENTRY_EVENT = 27;
  static final int EXPIRING = 28;
  static final int PUBLISH_EVENT = 29;
  static final int EVENT_ACK = 30;
  static final int EXPIRE_IF_DUE = 31;

  @Override
  public IdentifiedDataSerializable create(int typeId) {
    if (typeId == CACHE_RECORD) {
      return new CacheRecord();
    }
    if (typeId == PUT_PROCESSOR) {
      return new PutProcessor();
    }
    if (typeId == LOAD_FAILURE) {
      return new LoadFailure();
    }
    if (typeId == PENDING_WRITE) {
      return new PendingWrite();
    }
    if (typeId == PENDING_WRITE_RECORDER) {
      return new PendingWrite.Recorder();
    }
    if (typeId == DEAD_LETTER) {
      return new DeadLetter();
    }
    if (typeId == PENDING_WRITE_REMOVER) {
      return new PendingWrite.Remover();
    }
    if (typeId == VERSION_PROBE) {
      return new VersionProbe();
    }
    if (typeId == WRITE_BEHIND_PUT_PROCESSOR) {
      return new WriteBehindPutProcessor();
    }
    if (typeId == UNWRITTEN) {
      return new UnwrittenRecords.Unwritten();
    }
    if (typeId == MARK_WRITTEN_OPERATION) {
      return new MarkWrittenOperation.Primary();
    }
    if (typeId == MARK_WRITTEN_BACKUP) {
      return new MarkWrittenOperation.Backup();
    }
    if (typeId == READ_RECORDS_OPERATION) {
      return new ReadRecordsOperation();
    }
    if (typeId == RECORDS_READ) {
      return new ReadRecordsOperation.Records();
    }
    if (typeId == REMOVE_WRITTEN) {
      return new UnwrittenRecords.RemoveWritten();
    }
    if (typeId == PARTITION_HISTORIES) {
      return new PartitionHistories();
    }
    if (typeId == PARTITION_HISTORIES_ANSWER) {
      return new PartitionHistories.Answer();
    }
    if (typeId == LISTENERS_QUESTION) {
      return new RemoteListeners.Question();
    }
    if (typeId == LISTENERS_TELLING) {
      return new RemoteListeners.Telling();
    }
    if (typeId == ENTRY_EVENT) {
      return new RemoteListeners.Event();
    }
    if (typeId == PUBLISH_EVENT) {
      return new RemoteListeners.Publish();
    }
    if (typeId == EVENT_ACK) {
      return new RemoteListeners.Ack();
    }
    if (typeId == EXPIRE_IF_DUE) {
      return new ExpireIfDue();
    }
    if (typeId == CACHE_PROBE) {
      return new CacheProbe();
    }
    if (typeId == EXPIRING) {
      return new CacheRecord.Expiring();
    }
    if (typeId == NOT_LEASE) {
      return new CacheRecord.NotLease();
    }
    if (typeId == REFRESH_CLAIM) {
      return new RefreshClaim();
    }
    throw new IllegalArgumentException("Unknown Tiercache type id " + typeId);
  }
}
