/** Entry processors: the mutable entry that records a processor's net effect for the cache to apply. */
package dev.tiercache.processor;
