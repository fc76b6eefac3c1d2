/**
 * The Hazelcast side of Tiercache (L2): the shared embedded members, the record each cache entry is
 * stored as, the names of the distributed maps, and the small operations that run on a key's owner
 * (one-step puts, write-behind's one-operation put, pending changes and unwritten records, the near
 * cache's version probe, the expiry sweeper's look at a due entry, and {@code PerPartition} for running one over many keys). Two of them,
 * {@code ReadRecordsOperation} and {@code MarkWrittenOperation}, are Hazelcast map operations rather
 * than entry processors: the write-behind flusher runs them over every record it writes, and they skip
 * the per-entry deserialization and events. {@code PartitionHistories} asks a member for its word on
 * the partitions it owns (history and latest change number), for the near caches' repair.
 * {@code RemoteListeners} tells the members which of them listen to a cache, has each key's owner
 * publish its entry events to them, and waits for the synchronous ones; {@code HeapHeld} measures
 * what a map takes of this member's heap.
 * Implementation, not API.
 */
package dev.tiercache.cluster;
