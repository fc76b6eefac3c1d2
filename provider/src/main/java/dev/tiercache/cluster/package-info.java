/**
 * The Hazelcast side of Tiercache (L2): the shared embedded members, the record each cache entry is
 * stored as, and the names of the distributed maps. Implementation, not API.
 */
package dev.tiercache.cluster;
