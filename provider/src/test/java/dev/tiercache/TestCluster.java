package dev.tiercache;

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
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A cluster of real Hazelcast members in this JVM, one CacheManager each, on loopback, under a cluster
 * name no other run uses. Each member has its own configuration file (and so its own URI), naming all
 * members in its TCP-IP list.
 */
public final class TestCluster implements AutoCloseable {

  private final List<CacheManager> managers = new ArrayList<>();

  private TestCluster() {}

  public static TestCluster start(Path dir, int size) throws IOException {
    return start(configure(dir, size));
  }

  /**
   * Writes one configuration file per member of a new cluster and returns their URIs;
   * {@code defaults}: more lines of the {@code defaults:} section, such as {@code "max-entries: 100"}.
   */
  public static List<URI> configure(Path dir, int size, String... defaults) throws IOException {
    String name = "tiercache-test-" + UUID.randomUUID();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      ports.add(freePort());
    }
    String members = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(", ", "[", "]"));
    List<URI> uris = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      Path file = dir.resolve(name + "-member-" + i + ".yaml");
      Files.writeString(file, String.join("\n",
          "tiercache:",
          "  cluster:",
          "    name: " + name,
          "    port: " + ports.get(i),
          "    members: " + members,
          "  defaults:",
          "    backups: 1",
          java.util.Arrays.stream(defaults).map(line -> "    " + line + "\n").collect(Collectors.joining())));
      uris.add(file.toUri());
    }
    return uris;
  }

  /** Starts a member (and CacheManager) in this JVM for each URI. */
  public static TestCluster start(List<URI> uris) {
    TestCluster cluster = new TestCluster();
    for (URI uri : uris) {
      cluster.managers.add(Caching.getCachingProvider().getCacheManager(uri, null));
    }
    return cluster;
  }

  public CacheManager manager(int index) {
    return managers.get(index);
  }

  public int size() {
    return managers.size();
  }

  @Override
  public void close() {
    for (int i = managers.size() - 1; i >= 0; i--) {
      managers.get(i).close();
    }
  }

  /**
   * A cluster of {@code size} members shared by the tests of one class: started before the first, stopped
   * after the last. {@code @RegisterExtension static final TestCluster.PerClass cluster = new PerClass(2);}
   */
  public static final class PerClass implements BeforeAllCallback, AfterAllCallback {
    private final int size;
    private Path dir;
    private TestCluster cluster;

    public PerClass(int size) {
      this.size = size;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
      dir = Files.createTempDirectory("tiercache-cluster");
      cluster = start(dir, size);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
      cluster.close();
      try (var files = Files.list(dir)) {
        for (Path file : (Iterable<Path>) files::iterator) {
          Files.delete(file);
        }
      }
      Files.delete(dir);
    }

    public CacheManager manager(int index) {
      return cluster.manager(index);
    }

    public int size() {
      return size;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
