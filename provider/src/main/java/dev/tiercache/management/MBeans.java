package dev.tiercache.management;

import java.lang.management.ManagementFactory;
import javax.cache.CacheException;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Registers a cache's MXBeans in the platform MBean server under the names the JCache specification
 * gives them: {@code javax.cache:type=CacheStatistics|CacheConfiguration,CacheManager=<uri>,Cache=<name>}.
 * Registration belongs to the CacheManager that manages the cache, never to members that merely host
 * its partitions, so several members in one JVM do not register a cache twice.
 */
public final class MBeans {

  /** Which of the two standard MXBeans. */
  public enum Kind {
    STATISTICS("CacheStatistics"), CONFIGURATION("CacheConfiguration");

    private final String type;

    Kind(String type) {
      this.type = type;
    }
  }

  private MBeans() {}

  public static ObjectName name(Kind kind, String managerUri, String cacheName) {
    try {
      return new ObjectName("javax.cache:type=" + kind.type + ",CacheManager=" + quote(managerUri)
          + ",Cache=" + quote(cacheName));
    } catch (MalformedObjectNameException e) {
      throw new CacheException("Cannot build MXBean name for cache " + cacheName, e);
    }
  }

  /** The name of a cache's write-behind MXBean (a Tiercache extension, so not under javax.cache). */
  public static ObjectName writeBehindName(String managerUri, String cacheName) {
    return extensionName("WriteBehind", managerUri, cacheName);
  }

  /** The name of a cache's warm-up MXBean (a Tiercache extension, so not under javax.cache). */
  public static ObjectName warmUpName(String managerUri, String cacheName) {
    return extensionName("CacheWarmUp", managerUri, cacheName);
  }

  /** The name of a cache's tier statistics MXBean (a Tiercache extension, so not under javax.cache). */
  public static ObjectName tierStatisticsName(String managerUri, String cacheName) {
    return extensionName("CacheTierStatistics", managerUri, cacheName);
  }

  private static ObjectName extensionName(String type, String managerUri, String cacheName) {
    try {
      return new ObjectName("dev.tiercache:type=" + type + ",CacheManager=" + quote(managerUri)
          + ",Cache=" + quote(cacheName));
    } catch (MalformedObjectNameException e) {
      throw new CacheException("Cannot build MXBean name for cache " + cacheName, e);
    }
  }

  /** Registers {@code bean}; a bean already registered under the name is left as it is. */
  public static void register(Object bean, ObjectName name) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      if (!server.isRegistered(name)) {
        server.registerMBean(bean, name);
      }
    } catch (InstanceAlreadyExistsException e) {
      // registered concurrently by the same manager: nothing to do
    } catch (Exception e) {
      throw new CacheException("Cannot register MXBean " + name, e);
    }
  }

  public static void unregister(ObjectName name) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      if (server.isRegistered(name)) {
        server.unregisterMBean(name);
      }
    } catch (InstanceNotFoundException e) {
      // already gone
    } catch (Exception e) {
      throw new CacheException("Cannot unregister MXBean " + name, e);
    }
  }

  /** ObjectName values may not contain these characters; the TCK expects them replaced by dots. */
  private static String quote(String value) {
    return value.replaceAll("[,:=\n]", ".");
  }
}
