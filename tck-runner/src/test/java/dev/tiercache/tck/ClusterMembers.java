package dev.tiercache.tck;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.runner.Description;
import org.junit.runner.Result;
import org.junit.runner.notification.RunListener;

/**
 * Makes the test JVM one member of a three-member cluster for the TCK's cluster run: before the first
 * test it writes a {@code tiercache.yaml} for a new cluster (loopback, free ports, a cluster name no
 * other run uses), starts two {@link ClusterMember} processes with it, waits until both are up, and
 * points the default CacheManager at the same file (system property {@code tiercache.config}); after the
 * last test it stops them. Registered as a Surefire run listener in the cluster execution only.
 */
public final class ClusterMembers extends RunListener {

  private static final int OTHER_MEMBERS = 2;

  private final List<Process> processes = new ArrayList<>();

  @Override
  public void testRunStarted(Description description) throws Exception {
    Path file = writeConfiguration();
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path logs = Path.of(System.getProperty("tiercache.tck.member-logs", "target"));
    Files.createDirectories(logs);
    for (int i = 0; i < OTHER_MEMBERS; i++) {
      ProcessBuilder builder = new ProcessBuilder(java, "-Xmx512m", "-Djava.net.preferIPv4Stack=true",
          "-Dhazelcast.logging.type=jdk", "-cp", classPath, ClusterMember.class.getName(), file.toUri().toString());
      builder.redirectError(logs.resolve("tck-cluster-member-" + i + ".log").toFile());
      processes.add(builder.start());
    }
    for (Process process : processes) {
      awaitReady(process);
    }
    System.setProperty("tiercache.config", file.toUri().toString());
  }

  @Override
  public void testRunFinished(Result result) throws Exception {
    for (Process process : processes) {
      process.getOutputStream().close(); // the member closes its manager and exits
    }
    for (Process process : processes) {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private static void awaitReady(Process process) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.equals("READY")) {
        return;
      }
    }
    throw new IllegalStateException("A TCK cluster member exited before it was ready (exit code "
        + process.exitValue() + "); see target/tck-cluster-member-*.log");
  }

  private static Path writeConfiguration() throws IOException {
    int first;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      first = socket.getLocalPort();
    }
    // All three use one file: the first binds its port, the others the next free ones after it.
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i <= OTHER_MEMBERS; i++) {
      ports.add(first + i);
    }
    String members = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(", ", "[", "]"));
    Path file = Files.createTempFile("tiercache-tck-cluster-", ".yaml");
    file.toFile().deleteOnExit();
    Files.writeString(file, String.join("\n",
        "tiercache:",
        "  cluster:",
        "    name: tiercache-tck-" + UUID.randomUUID(),
        "    port: " + ports.get(0),
        "    members: " + members,
        "  defaults:",
        "    backups: 1",
        ""));
    return file;
  }
}
