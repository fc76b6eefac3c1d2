package dev.tiercache.spring;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;

/** A broken tiercache.yaml stops the application at start-up, saying which file and which key. */
class StartupFailureTest {

  @TempDir
  Path dir;

  @Test
  void aBrokenConfigurationFileFailsStartUpNamingTheFileAndKey() throws Exception {
    Path file = dir.resolve("broken-tiercache.yaml");
    Files.writeString(file, "tiercache:\n  defaults:\n    max-entries: lots\n");
    Exception e = assertThrows(Exception.class, () -> new SpringApplicationBuilder(TestApp.class)
        .properties("tiercache.config=" + file.toUri(), "spring.main.banner-mode=off").run().close());
    String message = rootMessage(e);
    assertTrue(message.contains("broken-tiercache.yaml"), message);
    assertTrue(message.contains("tiercache.defaults.max-entries"), message);
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }
}
