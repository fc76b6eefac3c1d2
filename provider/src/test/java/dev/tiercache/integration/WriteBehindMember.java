package dev.tiercache.integration;

import java.net.URI;
import javax.cache.CacheManager;
import javax.cache.Caching;

/**
 * A cluster member in a JVM of its own, for crash tests: it joins the cluster its configuration file
 * names, opens the write-behind cache (so it owns and writes its share of pending changes), prints
 * READY and waits to be killed.
 */
public final class WriteBehindMember {

  public static void main(String[] args) throws Exception {
    URI config = URI.create(args[0]);
    try {
      CacheManager manager = Caching.getCachingProvider().getCacheManager(config, null);
      manager.createCache(WriteBehindCrashTest.CACHE, WriteBehindCrashTest.configuration());
    } catch (Throwable e) {
      // Exit, or the member's threads keep this JVM alive and the test waits for a READY that never comes.
      e.printStackTrace(System.out);
      System.out.flush();
      System.exit(1);
    }
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
