package dev.tiercache.config;

import java.util.List;
import java.util.Objects;

/**
 * How the embedded Hazelcast member of a CacheManager finds its peers. With no member list the
 * member is standalone: it joins nobody and nobody can join it by accident (its cluster name is made
 * unique). Multicast is never used; members bind to the configured interface, 127.0.0.1 by default.
 *
 * @param clusterName Hazelcast cluster name; {@code null} for a standalone member
 * @param bindAddress the address members bind to and announce
 * @param port first port to try; the member takes the next free one above it
 * @param members TCP-IP member list ({@code host:port}); empty for a standalone member
 */
public record ClusterSettings(String clusterName, String bindAddress, int port, List<String> members) {

  public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
  public static final int DEFAULT_PORT = 5701;

  /** A standalone member on loopback: the default for the default URI. */
  public static ClusterSettings standalone() {
    return new ClusterSettings(null, DEFAULT_BIND_ADDRESS, DEFAULT_PORT, List.of());
  }

  public ClusterSettings {
    Objects.requireNonNull(bindAddress, "bindAddress");
    members = List.copyOf(members);
  }

  public boolean isStandalone() {
    return members.isEmpty();
  }
}
