package dev.tiercache.tck;

import java.net.URI;
import javax.cache.CacheManager;
import javax.cache.Caching;

/**
 * A Tiercache member in a process of its own, for the TCK's cluster run: it joins the cluster the
 * configuration file names, says {@code READY}, and stays until its parent closes its standard input
 * (or dies, which closes it too).
 */
public final class ClusterMember {

  private ClusterMember() {}

  public static void main(String[] args) throws Exception {
    CacheManager manager = Caching.getCachingProvider().getCacheManager(URI.create(args[0]), null);
    System.out.println("READY");
    System.out.flush();
    while (System.in.read() >= 0) {
      // nothing to do but hold the member
    }
    manager.close();
    System.exit(0);
  }
}
