/**
 * JCache entry listeners: registration, filters and ordered synchronous or asynchronous delivery, on
 * this member and, through {@code EventDispatcher.Remote}, to and from the listeners on the others.
 */
package dev.tiercache.event;
