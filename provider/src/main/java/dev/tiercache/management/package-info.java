/**
 * JCache statistics, counted on the member that issues each operation, the standard MXBeans and
 * Tiercache's own (tiers, write-behind, warm-up), cluster-wide statistics snapshots, and
 * {@code TiercacheMetrics}, the Micrometer meters of a cache (the provider's only use of its optional
 * Micrometer dependency).
 */
package dev.tiercache.management;
