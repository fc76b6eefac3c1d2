package dev.tiercache.management;

/**
 * Write-behind of one cache as seen from one member, registered as
 * {@code dev.tiercache:type=WriteBehind,CacheManager=<uri>,Cache=<name>}.
 */
public interface WriteBehindMXBean {

  /** Changes acknowledged and not yet written, cluster-wide. */
  long getBacklog();

  /** Age of the oldest change this member owns and has not yet written, in milliseconds. */
  long getLagMillis();

  /** Values this member has written to the system of record. */
  long getWritten();

  /** Deletes this member has applied to the system of record. */
  long getDeleted();

  /** Batches this member has handed to the writer. */
  long getBatches();

  /** Times a batch failed and was scheduled again. */
  long getRetries();

  /** Changes the system of record rejected for good, kept for replay, cluster-wide. */
  long getDeadLetters();

  /** The writer's last error, or an empty string. */
  String getLastError();

  /** Written entries this member removed to keep the cache's map near its bound. */
  long getEvicted();
}
