package dev.tiercache.samples.seed;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.cache.CacheManager;
import javax.cache.Caching;

/**
 * The application instances: each a Hazelcast member with its own CacheManager (and so its own near
 * caches), all in this JVM, on loopback, under a cluster name of their own. Members in one JVM talk to
 * each other over TCP exactly as members in separate processes do, and each keeps its own L1: what the
 * demo measures (who serves a read, what reaches the database) is the same as with separate JVMs; only
 * the CPU is shared.
 */
final class Instances implements AutoCloseable {

  private final List<CacheManager> managers = new ArrayList<>();

  /** Starts {@code count} members; {@code caches}: a {@code caches:} section for the file, or empty. */
  static Instances start(Path dir, int count, String caches) throws IOException {
    String cluster = "tiercache-seed-demo-" + UUID.randomUUID();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        ports.add(socket.getLocalPort());
      }
    }
    String members = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(", ", "[", "]"));
    Instances instances = new Instances();
    for (int i = 0; i < count; i++) {
      Path file = dir.resolve(cluster + "-" + i + ".yaml");
      Files.writeString(file, "tiercache:\n  cluster:\n    name: " + cluster + "\n    bind-address: 127.0.0.1\n"
          + "    port: " + ports.get(i) + "\n    members: " + members + "\n" + caches);
      URI uri = file.toUri();
      instances.managers.add(Caching.getCachingProvider().getCacheManager(uri, null));
    }
    return instances;
  }

  CacheManager manager(int i) {
    return managers.get(i);
  }

  int size() {
    return managers.size();
  }

  @Override
  public void close() {
    for (int i = managers.size() - 1; i >= 0; i--) {
      if (!managers.get(i).isClosed()) {
        managers.get(i).close();
      }
    }
  }
}
