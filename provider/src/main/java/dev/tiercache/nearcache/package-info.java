/**
 * The near cache (L1): a Caffeine cache per cache on every member that uses it, in front of the shared
 * Hazelcast map (L2). {@code NearCache} holds the entries and keeps them coherent (invalidation on every
 * change, reservations against reads that race a change, a periodic repair against lost messages);
 * {@code ValueCopies} decides how a hit returns a private copy: the value itself for immutable types, a
 * field-by-field copy for plain serializable classes, else a deserialization of the serialized form.
 */
package dev.tiercache.nearcache;
