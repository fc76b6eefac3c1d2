/**
 * Reaching the system of record (L3): {@code JdbcCacheStore}, a reusable JDBC loader and writer (its
 * connections in {@code JdbcConnections}, a small pool of its own) that also lists its keys for a
 * warm-up ({@code KeyLister}, which any loader may implement), and
 * write-behind, which acknowledges a change once L2 holds it and writes it to the system of record
 * later, in batches. {@code WriteBehind} is write-behind's public face (recording changes, dead letters,
 * its MXBean); behind it, package-private, {@code Flusher} runs the flush loop (with
 * {@code OwnedPartitions}: which partitions this member writes, and their unwritten records listed),
 * {@code BatchWriter} hands batches to the writer (retries with back-off, dead letters; no Hazelcast in
 * it), {@code PartitionHandOver} with {@code HandOverFence} holds a gained partition back until its old
 * owner's batch in progress is over, and {@code Backlog} keeps the two bounds (changes waiting, entries
 * held). The Hazelcast operations write-behind runs on the owners live in {@code dev.tiercache.cluster},
 * beside the one serialization factory that constructs every Tiercache wire type.
 */
package dev.tiercache.integration;
