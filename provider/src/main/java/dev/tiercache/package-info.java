/**
 * Tiercache's public API: the JCache provider ({@link dev.tiercache.TierCachingProvider}), its
 * CacheManager and Cache, and the entry type they hand out. Everything an application needs is the
 * standard {@code javax.cache} API; these types are what {@code unwrap} returns.
 */
package dev.tiercache;
