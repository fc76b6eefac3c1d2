/**
 * Tiercache as a Spring cache: {@link dev.tiercache.spring.TiercacheCacheManager} and
 * {@link dev.tiercache.spring.TiercacheCache} adapt Tiercache's JCache caches to Spring's
 * {@code Cache} abstraction, with {@code @Cacheable(sync = true)} mapped onto Tiercache's cluster-wide
 * per-key lock, and {@link dev.tiercache.spring.TiercacheAutoConfiguration} wires them into Spring Boot.
 */
package dev.tiercache.spring;
