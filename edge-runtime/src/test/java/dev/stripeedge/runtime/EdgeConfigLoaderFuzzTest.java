package dev.stripeedge.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the configuration loader with a file and environment from outside: it answers a
 * configuration or an {@link IllegalArgumentException}, nothing else; what it answers survives a
 * round trip through YAML; and a secret from the environment appears neither in an error message
 * nor in the configuration's {@code toString}. Input: the YAML file, in which comment lines {@code
 * #env NAME=value} set the environment.
 */
class EdgeConfigLoaderFuzzTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final List<String> SECRETS =
      List.of(
          "STRIPE_EDGE_WEBHOOK_SECRETS",
          "STRIPE_EDGE_WEBHOOK_ENDPOINTS",
          "STRIPE_EDGE_RECONCILE_API_KEY",
          "STRIPE_EDGE_CACHE_KEY_SECRET",
          "STRIPE_EDGE_TIER_KEYS");
  private static final Path FILE;

  static {
    try {
      FILE = Files.createTempFile("edge-config-fuzz", ".yaml");
      FILE.toFile().deleteOnExit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "5m")
  void configFile(byte[] data) throws IOException {
    Map<String, String> environment = new HashMap<>();
    for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
      int eq = line.indexOf('=');
      if (line.startsWith("#env ") && eq > 5) {
        environment.put(line.substring(5, eq), line.substring(eq + 1));
      }
    }
    Files.write(FILE, data);

    EdgeConfig config;
    try {
      config = EdgeConfigLoader.load(FILE, environment);
    } catch (IllegalArgumentException e) {
      assertNoSecretIn(String.valueOf(e.getMessage()), environment);
      return;
    }
    assertNoSecretIn(config.toString(), environment);
    Files.write(FILE, YAML.writeValueAsBytes(config));
    assertThat(EdgeConfigLoader.load(FILE, Map.of())).isEqualTo(config);
  }

  private static void assertNoSecretIn(String text, Map<String, String> environment) {
    for (String name : SECRETS) {
      String value = environment.getOrDefault(name, "").strip();
      // Short values occur in any text by chance; secrets are long.
      for (String part : value.split("[,;:=]")) {
        if (part.strip().length() >= 16) {
          assertThat(text).as(name).doesNotContain(part.strip());
        }
      }
    }
  }
}
