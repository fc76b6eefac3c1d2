/**
 * JCache entry listeners: registration, filters and ordered synchronous or asynchronous delivery to
 * this member's listeners; through {@code EventDispatcher.Remote}, every event goes out through its
 * key's owner to the listening members, this one included.
 */
package dev.tiercache.event;
