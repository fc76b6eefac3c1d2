/**
 * Tiercache's public API: the JCache provider ({@link dev.tiercache.TierCachingProvider}), its
 * CacheManager and Cache, the configuration with Tiercache's extensions, and the entry and versioned
 * value ({@link dev.tiercache.Versioned}) they hand out. Everything an application needs is the standard {@code javax.cache} API; these types are what
 * {@code unwrap} returns. Beside them, package-private, each path of a cache operation has a class of
 * its own behind the {@code TierCache} facade: {@code Reads}, {@code ReadThrough}, {@code Writes},
 * {@code BatchWrites}, {@code EntryProcessing}, {@code ChangeWriter} (where a change goes besides L2),
 * {@code L2Records} (the records under each key's lock), {@code L2Evictions} (what L2's bound
 * evicted), {@code PartitionLoss} (partitions lost with their members, counted and logged), {@code OwnerExpiry} (the owner's watch over its entries' expiry), {@code ClusterEvents}
 * (entry events published through each key's owner to the listeners of every member), {@code Refresher} (background reloads), {@code WarmUp} (preloading at creation),
 * {@code VersionedWrites} (compare-and-set on an entry's version), {@code AsyncReadThrough} (loads
 * whose callers wait without a thread), {@code CacheDirectory} (the caches the cluster knows) and
 * {@code KeyValueCodec} (store by value).
 */
package dev.tiercache;
