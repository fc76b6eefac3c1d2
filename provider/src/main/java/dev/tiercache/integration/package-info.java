/**
 * Reaching the system of record (L3): the reusable JDBC loader and writer, and write-behind, which
 * acknowledges a change once L2 holds it and writes it to the system of record later, in batches.
 */
package dev.tiercache.integration;
