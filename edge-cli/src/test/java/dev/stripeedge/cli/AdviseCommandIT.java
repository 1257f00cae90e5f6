package dev.stripeedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.server.EdgeServer;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stripe-edge advise} from a real {@code /metrics} capture: an edge in front of the
 * simulator, real traffic (one customer read 20 times: 1 miss, 19 hits), the capture saved to a
 * file as a user would, and the advice read from it and from the URL.
 */
class AdviseCommandIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final String KEY = "sk_test_advise_command";

  @TempDir Path dir;

  private EdgeServer edge;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void start() {
    edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("listeners.admin.port", 0)
                .with("upstream", sim.baseUrl())
                .with("store.path", dir.resolve("edge.db").toString()));
  }

  @AfterEach
  void stop() {
    edge.close();
  }

  private int advise(String... args) {
    out.reset();
    err.reset();
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      return StripeEdgeCli.run(args);
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
  }

  private static double number(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("%s in%n%s", regex, text).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void adviceFromASavedCaptureAndFromTheUrl() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + edge.port();
    String created =
        http.send(
                HttpRequest.newBuilder(URI.create(base + "/v1/customers"))
                    .header("Authorization", "Bearer " + KEY)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("name=Jenny"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    String id = created.replaceAll("(?s).*?\"id\":\"(cus_[^\"]+)\".*", "$1");
    for (int i = 0; i < 20; i++) {
      http.send(
          HttpRequest.newBuilder(URI.create(base + "/v1/customers/" + id))
              .header("Authorization", "Bearer " + KEY)
              .build(),
          HttpResponse.BodyHandlers.ofString());
    }
    String metricsUrl = "http://127.0.0.1:" + edge.adminPort() + "/metrics";
    Path capture = dir.resolve("metrics.txt");
    Files.writeString(
        capture,
        http.send(
                HttpRequest.newBuilder(URI.create(metricsUrl)).build(),
                HttpResponse.BodyHandlers.ofString())
            .body());

    int status = advise("advise", "--metrics", capture.toString(), "--window", "10");

    String report = out.toString(StandardCharsets.UTF_8);
    assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
    // 20 reads in 10 s, one of them a miss; the create is a write the cache never answers.
    assertThat(report)
        .containsPattern("GET /v1/customers/\\{id\\}\\s+2\\.00\\s+95\\.0%")
        .containsPattern("POST /v1/customers\\s+0\\.10\\s+0\\.0%");
    double without = number(report, "without the cache\\s+\\d+\\s+[\\d.]+\\s+([\\d.]+)");
    double with = number(report, "with the cache\\s+\\d+\\s+[\\d.]+\\s+([\\d.]+)");
    assertThat(with).isLessThan(without);
    assertThat(report)
        .contains("Cheapest memory size:")
        .contains("Provisioned concurrency:")
        .contains("DynamoDB tier, on demand:")
        .contains("prices 2025-06 us-east-1");
    assertThat(report).containsPattern("ElastiCache");

    // The same from the URL (the window is then the edge's uptime).
    assertThat(advise("advise", "--metrics", metricsUrl)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("GET /v1/customers/{id}");
  }

  @Test
  void somethingThatIsNotACaptureIsSaidPlainly() throws Exception {
    Path notMetrics = dir.resolve("notes.txt");
    Files.writeString(notMetrics, "hello_total 3.0\n");

    assertThat(advise("advise", "--metrics", notMetrics.toString(), "--window", "10")).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("no stripe_edge_requests_seconds")
        .doesNotContain("Exception");
    assertThat(advise("advise", "--metrics", sim.baseUrl() + "/v1/customers")).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("HTTP 401");
  }
}
