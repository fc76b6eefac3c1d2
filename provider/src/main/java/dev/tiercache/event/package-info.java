/** JCache entry listeners: registration, filters and ordered synchronous or asynchronous delivery. */
package dev.tiercache.event;
