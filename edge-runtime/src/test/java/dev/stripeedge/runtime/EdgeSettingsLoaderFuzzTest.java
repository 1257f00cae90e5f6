package dev.stripeedge.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
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
class EdgeSettingsLoaderFuzzTest {

  // The settings' own mapper: durations with units, secrets as their values (never printed).
  private static final ObjectMapper YAML = SettingsJson.mapper();
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

  @FuzzTest(maxDuration = "30s")
  void configFile(byte[] data) throws IOException {
    Map<String, String> environment = new HashMap<>();
    for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
      int eq = line.indexOf('=');
      if (line.startsWith("#env ") && eq > 5) {
        environment.put(line.substring(5, eq), line.substring(eq + 1));
      }
    }
    Files.write(FILE, data);

    EdgeSettings config;
    try {
      config = EdgeSettingsLoader.load(FILE, environment);
    } catch (IllegalArgumentException e) {
      assertNoSecretIn(String.valueOf(e.getMessage()), environment, fileBody(data));
      return;
    }
    assertNoSecretIn(config.toString(), environment, fileBody(data));
    Files.write(FILE, YAML.writeValueAsBytes(config));
    assertThat(EdgeSettingsLoader.load(FILE, Map.of())).isEqualTo(config);
  }

  /** The file without its {@code #env} lines: what the configuration itself says. */
  private static String fileBody(byte[] data) {
    StringBuilder body = new StringBuilder();
    for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
      if (!line.startsWith("#env ")) {
        body.append(line).append('\n');
      }
    }
    return body.toString();
  }

  /**
   * No value given only in the environment shows in {@code text}. (Text the file itself holds, such
   * as an unknown key, may be named: it is not a secret the environment was trusted with.)
   */
  private static void assertNoSecretIn(
      String text, Map<String, String> environment, String fileBody) {
    for (String name : SECRETS) {
      String value = environment.getOrDefault(name, "").strip();
      if (name.equals("STRIPE_EDGE_WEBHOOK_ENDPOINTS")) {
        // /path=whsec_a,whsec_b;…: the paths are names, shown like any configured path; the
        // secrets are what follows each '='.
        value = value.replaceAll("(^|;)[^;=]*=", "$1");
      }
      if (name.equals("STRIPE_EDGE_TIER_KEYS")) {
        // id:base64,…: the ids name keys (shown, as in the file); the key material is secret.
        value = value.replaceAll("(^|,)[^,:]*:", "$1");
      }
      // Short values occur in any text by chance; secrets are long.
      for (String part : value.split("[,;:=]")) {
        if (part.strip().length() >= 16 && !fileBody.contains(part.strip())) {
          assertThat(text).as(name).doesNotContain(part.strip());
        }
      }
    }
  }
}
