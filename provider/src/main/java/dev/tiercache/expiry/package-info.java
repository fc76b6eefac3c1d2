/**
 * Expiry: turning an {@code ExpiryPolicy}'s durations into the absolute times stored in L2 records,
 * and the sweeper that removes expired entries promptly so that EXPIRED events fire.
 */
package dev.tiercache.expiry;
