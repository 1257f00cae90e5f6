package dev.stripeedge.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** What the tests that SIGKILL a {@link KillableEdge} share. */
final class KilledEdges {

  private KilledEdges() {}

  /** A logback file in {@code dir} for the child: warnings, and the edge's own info lines. */
  static Path quietLogging(Path dir) throws IOException {
    Path file = dir.resolve("logback.xml");
    if (!Files.exists(file)) {
      Files.writeString(
          file,
          """
          <configuration>
            <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
              <encoder><pattern>%level %logger{20} %msg%n</pattern></encoder>
            </appender>
            <root level="WARN"><appender-ref ref="OUT"/></root>
            <logger name="dev.stripeedge" level="INFO"/>
          </configuration>
          """);
    }
    return file;
  }

  /**
   * The simulator's customers of {@code key}, counted by their {@code metadata[n]}: the write that
   * made each.
   */
  static Map<String, Integer> customersByWrite(HttpClient http, String simUrl, String key)
      throws IOException, InterruptedException {
    Map<String, Integer> perWrite = new HashMap<>();
    ObjectMapper json = new ObjectMapper();
    String after = "";
    while (true) {
      JsonNode page =
          json.readTree(
              http.send(
                      HttpRequest.newBuilder(URI.create(simUrl + "/v1/customers?limit=100" + after))
                          .header("Authorization", "Bearer " + key)
                          .build(),
                      java.net.http.HttpResponse.BodyHandlers.ofString())
                  .body());
      String last = "";
      for (JsonNode customer : page.path("data")) {
        perWrite.merge(customer.at("/metadata/n").asText(), 1, Integer::sum);
        last = customer.path("id").asText();
      }
      if (!page.path("has_more").asBoolean()) {
        return perWrite;
      }
      after = "&starting_after=" + last;
    }
  }
}
