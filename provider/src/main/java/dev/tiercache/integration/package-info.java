/**
 * Reaching the system of record (L3): the reusable JDBC loader and writer, and write-behind, which
 * acknowledges a change once L2 holds it and writes it to the system of record later, in batches
 * (with {@code HandOverFence}, by which a member that gained partitions waits until their old owner's
 * batch in progress is over).
 */
package dev.tiercache.integration;
