package dev.stripeedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.server.EdgeServer;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code stripe-edge warm} against a real sidecar over the simulator. */
class WarmCommandIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "sk_test_warm_command";

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private EdgeServer edge;
  private Path keyFile;
  private Path state;

  @BeforeEach
  void start() throws Exception {
    sim.sim().reset();
    HttpResponse<String> seeded =
        http.send(
            HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/_sim/seed"))
                .header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"resource\":\"customers\",\"count\":250}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(seeded.statusCode()).as(seeded.body()).isEqualTo(200);
    edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("listeners.admin.port", 0)
                .with("upstream", sim.baseUrl())
                .with("store.path", dir.resolve("edge.db").toString()));
    keyFile = dir.resolve("key");
    Files.writeString(keyFile, KEY + "\n");
    state = dir.resolve("warm.json");
  }

  @AfterEach
  void stop() {
    edge.close();
  }

  private int warm(String... extra) {
    String[] base = {
      "warm",
      "--resource",
      "customers",
      "--edge",
      "http://127.0.0.1:" + edge.port(),
      "--api-key-file",
      keyFile.toString(),
      "--state",
      state.toString()
    };
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return StripeEdgeCli.run(args);
  }

  /** The progress kept for this edge and key. */
  private JsonNode saved(String resource) throws Exception {
    return JSON.readTree(state.toFile())
        .path(WarmCommand.scope("http://127.0.0.1:" + edge.port(), KEY))
        .path(resource);
  }

  private static long listCalls() {
    return sim.sim().counters().getOrDefault("GET /v1/customers 200", 0L);
  }

  private HttpResponse<String> read(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path))
            .header("Authorization", "Bearer " + KEY)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anInterruptedWarmResumesWhereItStoppedAndLeavesEveryObjectCached() throws Exception {
    assertThat(warm("--max-pages", "1")).isZero();

    JsonNode saved = saved("customers");
    assertThat(saved.path("objects").asLong()).isEqualTo(100);
    assertThat(saved.path("done").asBoolean()).isFalse();
    assertThat(listCalls()).isEqualTo(1);

    assertThat(warm()).isZero();

    saved = saved("customers");
    assertThat(saved.path("objects").asLong()).isEqualTo(250);
    assertThat(saved.path("done").asBoolean()).isTrue();
    // Pages 2 and 3 only: the rerun did not start over.
    assertThat(listCalls()).isEqualTo(3);

    // Every object is a hit now, without one retrieve reaching Stripe.
    JsonNode page = JSON.readTree(read("/v1/customers?limit=100").body());
    long retrievesBefore = sim.sim().counters().getOrDefault("GET /v1/customers/{id} 200", 0L);
    for (JsonNode customer : page.path("data")) {
      HttpResponse<String> hit = read("/v1/customers/" + customer.path("id").asText());
      assertThat(hit.headers().firstValue("Cache-Status")).get().asString().contains("hit");
      assertThat(hit.body()).contains(customer.path("id").asText());
    }
    assertThat(sim.sim().counters().getOrDefault("GET /v1/customers/{id} 200", 0L))
        .isEqualTo(retrievesBefore);
  }

  @Test
  void aFinishedResourceIsSkippedUnlessRestarted() {
    assertThat(warm()).isZero();
    long calls = listCalls();

    assertThat(warm()).isZero();
    assertThat(listCalls()).isEqualTo(calls);

    assertThat(warm("--restart")).isZero();
    assertThat(listCalls()).isEqualTo(calls + 3);
  }

  @Test
  void badInputIsAClearErrorNotAStackTrace() throws Exception {
    assertThat(
            StripeEdgeCli.run("warm", "--resource", "../etc", "--api-key-file", keyFile.toString()))
        .isEqualTo(2);
    Files.writeString(keyFile, " ");
    assertThat(warm()).isEqualTo(1);
    Files.writeString(keyFile, KEY);
    assertThat(
            StripeEdgeCli.run(
                "warm",
                "--resource",
                "customers",
                "--edge",
                "http://127.0.0.1:9",
                "--api-key-file",
                keyFile.toString(),
                "--state",
                state.toString()))
        .isEqualTo(1);
  }

  @Test
  void progressBelongsToOneKeyAndOneEdge() throws Exception {
    assertThat(warm()).isZero();
    long calls = listCalls();

    // Another key on the same edge (another account to the simulator) lists from the start
    // instead of "resuming" the first key's finished run and warming nothing.
    Files.writeString(keyFile, "sk_test_another_key");
    assertThat(warm()).isZero();
    assertThat(listCalls()).isGreaterThan(calls);
    assertThat(
            JSON.readTree(state.toFile())
                .path(WarmCommand.scope("http://127.0.0.1:" + edge.port(), "sk_test_another_key"))
                .path("customers")
                .path("done")
                .asBoolean())
        .isTrue();
    assertThat(Files.readString(state)).doesNotContain(KEY).doesNotContain("sk_test_another_key");
  }

  @Test
  void somethingThatIsNotAnEdgeIsRefused() throws Exception {
    // Stripe (or the simulator) answers the list, but without the edge's Cache-Status.
    com.sun.net.httpserver.HttpServer stripe =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    stripe.createContext(
        "/",
        exchange -> {
          byte[] body =
              "{\"object\":\"list\",\"data\":[],\"has_more\":false}"
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    stripe.start();
    java.io.StringWriter err = new java.io.StringWriter();
    int exit =
        new picocli.CommandLine(new StripeEdgeCli())
            .setErr(new java.io.PrintWriter(err))
            .setExecutionExceptionHandler(
                (error, command, parsed) -> {
                  command.getErr().println(error.getMessage());
                  return 1;
                })
            .execute(
                "warm",
                "--resource",
                "customers",
                "--edge",
                "http://127.0.0.1:" + stripe.getAddress().getPort(),
                "--api-key-file",
                keyFile.toString(),
                "--state",
                state.toString());

    stripe.stop(0);
    assertThat(exit).isEqualTo(1);
    assertThat(err.toString())
        .contains("is not a stripe-edge")
        .contains("nothing was warmed")
        .doesNotContain("\r");
  }

  @Test
  void progressIsPlainLinesWhenStderrIsNotATerminal() {
    java.io.StringWriter err = new java.io.StringWriter();
    int exit =
        new picocli.CommandLine(new StripeEdgeCli())
            .setErr(new java.io.PrintWriter(err))
            .execute(
                "warm",
                "--resource",
                "customers",
                "--edge",
                "http://127.0.0.1:" + edge.port(),
                "--api-key-file",
                keyFile.toString(),
                "--state",
                state.toString());

    assertThat(exit).isZero();
    assertThat(err.toString()).doesNotContain("\r").contains("customers: done, 250 objects");
  }
}
