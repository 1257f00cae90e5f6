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
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code stripe-edge report latency} against a running edge after real traffic. */
class ReportCommandIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final String KEY = "sk_test_report_command";

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

  private int report(String... args) {
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

  @Test
  void printsEachRoutesQuantilesBudgetAndStageShares() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String created =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + edge.port() + "/v1/customers"))
                    .header("Authorization", "Bearer " + KEY)
                    .POST(HttpRequest.BodyPublishers.ofString("name=Jenny"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    String id = created.replaceAll("(?s).*?\"id\":\"(cus_[^\"]+)\".*", "$1");
    for (int i = 0; i < 5; i++) {
      http.send(
          HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + edge.port() + "/v1/customers/" + id))
              .header("Authorization", "Bearer " + KEY)
              .build(),
          HttpResponse.BodyHandlers.ofString());
    }

    int status =
        report(
            "report",
            "latency",
            "--admin",
            "http://127.0.0.1:" + edge.adminPort(),
            "--budget",
            "10s");

    String table = out.toString(StandardCharsets.UTF_8);
    assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(table.lines().findFirst()).get().asString().contains("p99≤ms").contains("upstream");
    assertThat(table)
        .containsPattern("/v1/customers/\\{id\\}\\s+5\\s+\\d+\\s+\\d+\\s+ok")
        .containsPattern("/v1/customers\\s+1\\s+");
  }

  @Test
  void aBadBudgetOrSomethingThatIsNotAnEdgeIsSaidPlainly() {
    String admin = "http://127.0.0.1:" + edge.adminPort();

    assertThat(report("report", "latency", "--admin", admin, "--budget", "1.5s")).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("250ms or 2s");

    err.reset();
    assertThat(report("report", "latency", "--admin", sim.baseUrl())).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("is it a stripe-edge admin listener")
        .doesNotContain("Exception");
  }
}
