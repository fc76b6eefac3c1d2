/**
 * Tiercache's configuration: the {@code tiercache.yaml} a CacheManager URI names, read strictly into
 * immutable settings (cluster, default cache template, start-up caches). The keys are documented in
 * {@code docs/configuration.md}.
 */
package dev.tiercache.config;
