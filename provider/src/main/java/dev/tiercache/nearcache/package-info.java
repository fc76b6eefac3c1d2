/**
 * The near cache (L1): a Caffeine cache per cache on every member that uses it, in front of the shared
 * Hazelcast map (L2).
 * <ul>
 *   <li>{@code NearCache} holds the entries and the reservations of reads in flight, and states the
 *       coherence rules; its {@code Entry} is one value as read from L2, with the record's version and
 *       expiry, and makes the private copy a hit returns.
 *   <li>{@code NearCacheInvalidations} is the Hazelcast invalidation listener that drops a key when any
 *       member changes it, and tells {@code PartitionSequences} the change's number.
 *   <li>{@code PartitionSequences} says which partitions lost an invalidation (a number skipped or never
 *       heard, a new history); {@code NearCacheRepair} reads the owners' numbers twice per repair interval
 *       and checks only those partitions' entries against the versions L2 holds, dropping those L2 does
 *       not vouch for: the net under lost invalidations. {@code RepairRound} runs the repairs of a
 *       member's near caches together, one question per member and round for all of them.
 *   <li>{@code KeyIdentity} says what L1 keys an entry by: the key itself where its equality agrees
 *       with its serialized form, else that form, so that L1 finds an entry exactly when L2 would.
 *   <li>How a hit copies: {@code Immutables} says which types need no copy (the instance is shared);
 *       {@code FieldCopier} copies plain serializable graphs field by field; anything else is
 *       deserialized from the serialized form the entry keeps.
 * </ul>
 */
package dev.tiercache.nearcache;
