package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stripeedge.core.queue.AsyncWriteConfig;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import dev.stripeedge.testkit.Waits;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Asynchronous writes while one connected account's breaker is open, through a real sidecar and the
 * simulator's fault controls: Stripe answers that account's creates with 503s until the breaker
 * opens; writes asked asynchronously are accepted (202) and wait while synchronous ones are
 * refused; once the fault is cleared each queued write is applied exactly once — counted in the
 * simulator's customers, not in the edge's records.
 */
class AsyncBreakerIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int WRITES = 10;

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private final String key =
      "sk_test_breaker" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private EdgeServer edge;

  @AfterEach
  void close() {
    sim.sim().reconfigure(c -> c.withFaults(List.of()));
    if (edge != null) {
      edge.close();
    }
  }

  private HttpRequest.Builder request(String url, String account, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key);
    if (!account.isEmpty()) {
      request.header("Stripe-Account", account);
    }
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return request;
  }

  private CompletableFuture<HttpResponse<String>> create(
      String account, String form, String... headers) {
    HttpRequest request =
        request("http://127.0.0.1:" + edge.port() + "/v1/customers", account, headers)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode get(String url, String account) throws Exception {
    HttpResponse<String> response =
        http.send(request(url, account).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  @Test
  void writesQueuedWhileAnAccountsBreakerIsOpenAreAppliedOnceEachAfterTheFaultClears()
      throws Exception {
    // Two attempts at most: were the deliveries held by the breaker counted, they would be dead.
    edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("listeners.admin.port", 0)
                .with("upstream", sim.baseUrl())
                .with("store.path", dir.resolve("edge.db").toString())
                // Open long enough that the writes below meet it open even on a slow machine.
                .with("isolation.breaker.openFor", "15s")
                .with(
                    "asyncWrites", AsyncWriteConfig.defaults().toBuilder().maxAttempts(2).build()));
    JsonNode account =
        JSON.readTree(
            http.send(
                    request(sim.baseUrl() + "/v1/accounts", "")
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("type=express"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body());
    String sick = account.path("id").asText();
    assertThat(sick).startsWith("acct_");
    sim.sim()
        .reconfigure(
            c ->
                c.withFaults(
                    List.of(
                        new SimConfig.FaultRule(
                                SimConfig.FaultKind.ERROR_503, 1.0, "POST /v1/customers", null)
                            .forAccount(sick))));

    // Synchronous creates on the sick account fail until its breaker opens.
    List<CompletableFuture<HttpResponse<String>>> failing = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      failing.add(create(sick, "name=sync" + i));
    }
    failing.forEach(CompletableFuture::join);
    Waits.until(
        "the sick account's breaker open",
        () ->
            create(sick, "name=probe")
                .join()
                .headers()
                .firstValue("stripe-edge-refused")
                .orElse("")
                .equals("circuit-open"));
    // The platform's own creates are not affected.
    assertThat(create("", "name=platform").join().statusCode()).isEqualTo(200);

    // Asked asynchronously, the sick account's writes are accepted; a synchronous one is refused.
    String batch = UUID.randomUUID().toString().substring(0, 8);
    List<String> locations = new ArrayList<>();
    for (int n = 0; n < WRITES; n++) {
      HttpResponse<String> accepted =
          create(
                  sick,
                  "name=queued" + n + "&metadata[batch]=" + batch + "&metadata[n]=" + n,
                  "Prefer",
                  "respond-async")
              .join();
      assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
      locations.add(accepted.headers().firstValue("Location").orElseThrow());
    }
    HttpResponse<String> refused = create(sick, "name=sync-while-open").join();
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("stripe-edge-refused")).hasValue("circuit-open");
    assertThat(refused.headers().firstValue("retry-after")).isPresent();
    // The workers meet the open breaker: every write waits, none spent or dead.
    String statusBase = "http://127.0.0.1:" + edge.port();
    Waits.until(
        "every write held by the breaker",
        () -> {
          for (String location : locations) {
            JsonNode status = get(statusBase + location, sick);
            if (!status.path("reason").asText().equals("held: circuit-open")) {
              return false;
            }
          }
          return true;
        });
    for (String location : locations) {
      JsonNode status = get(statusBase + location, sick);
      assertThat(status.path("state").asText()).isEqualTo("queued");
      assertThat(status.path("attempts").asInt()).isZero();
    }

    sim.sim().reconfigure(c -> c.withFaults(List.of()));

    Waits.until(
        "every write succeeded",
        () -> {
          for (String location : locations) {
            String state = get(statusBase + location, sick).path("state").asText();
            assertThat(state).isIn("queued", "in_flight", "succeeded");
            if (!state.equals("succeeded")) {
              return false;
            }
          }
          return true;
        });
    // At Stripe: exactly one customer per queued write on the sick account.
    Map<String, Integer> perWrite = new TreeMap<>();
    for (JsonNode customer : customersOf(sick)) {
      if (customer.at("/metadata/batch").asText().equals(batch)) {
        perWrite.merge(customer.at("/metadata/n").asText(), 1, Integer::sum);
      }
    }
    Map<String, Integer> once = new TreeMap<>();
    for (int n = 0; n < WRITES; n++) {
      once.put(Integer.toString(n), 1);
    }
    assertThat(perWrite).isEqualTo(once);
  }

  /** The connected account's customers, read from the simulator directly. */
  private List<JsonNode> customersOf(String account) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    String after = "";
    while (true) {
      JsonNode page = get(sim.baseUrl() + "/v1/customers?limit=100" + after, account);
      page.path("data").forEach(out::add);
      if (!page.path("has_more").asBoolean()) {
        return out;
      }
      after = "&starting_after=" + out.get(out.size() - 1).path("id").asText();
    }
  }
}
