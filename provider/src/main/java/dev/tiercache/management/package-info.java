/** JCache statistics, counted on the member that issues each operation, and the standard MXBeans. */
package dev.tiercache.management;
