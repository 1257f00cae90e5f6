package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.stripe.net.Webhook;
import dev.stripeedge.core.Secret;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Real webhooks from stripe-sim to a real EdgeServer on loopback. */
class WebhookReceiverIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern SECRET = Pattern.compile("\"secret\"\\s*:\\s*\"([^\"]+)\"");
  private static final String EDGE_SECRET = "whsec_edge_test_secret";

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private EdgeServer edge;

  @AfterEach
  void stop() {
    if (edge != null) {
      edge.close();
    }
  }

  private EdgeServer start(List<String> secrets) {
    return start(secrets, List.of());
  }

  private EdgeServer start(List<String> secrets, List<EdgeSettings.Endpoint> endpoints) {
    edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("listeners.admin.port", 0)
                .with("upstream", sim.baseUrl())
                .with("webhooks.secrets", secrets)
                .with("webhooks.endpoints", endpoints)
                .with("store.path", dir.resolve("edge.db").toString()));
    return edge;
  }

  private String edgeUrl() {
    return "http://127.0.0.1:" + edge.port();
  }

  private HttpResponse<String> send(
      String base, String method, String path, String key, String form) throws Exception {
    return send(base, method, path, key, form, null);
  }

  /** A request as {@code key}'s platform, or on behalf of {@code account} when not null. */
  private HttpResponse<String> send(
      String base, String method, String path, String key, String form, String account)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .method(method, HttpRequest.BodyPublishers.ofString(form));
    if (account != null) {
      request.header("Stripe-Account", account);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> deliver(String payload, String signature) throws Exception {
    return deliver("/webhooks/stripe", payload, signature);
  }

  private HttpResponse<String> deliver(String path, String payload, String signature)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(edgeUrl() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(payload));
    if (signature != null) {
      request.header("Stripe-Signature", signature);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String group(Pattern pattern, String text) {
    Matcher matcher = pattern.matcher(text);
    assertThat(matcher.find()).as("%s in %s", pattern, text).isTrue();
    return matcher.group(1);
  }

  private static String signed(String payload, long timestamp) throws Exception {
    return Webhook.Signature.generateSignatureHeader(payload, EDGE_SECRET, timestamp);
  }

  private static String event(String id, String customer) {
    return "{\"id\":\""
        + id
        + "\",\"object\":\"event\",\"type\":\"customer.updated\",\"created\":"
        + Instant.now().getEpochSecond()
        + ",\"data\":{\"object\":{\"id\":\""
        + customer
        + "\",\"object\":\"customer\"}}}";
  }

  private String refusals(String reason) {
    return refusals("/webhooks/stripe", reason);
  }

  private String refusals(String endpoint, String reason) {
    String prefix =
        "stripe_edge_webhooks_refused_total{endpoint=\""
            + endpoint
            + "\",reason=\""
            + reason
            + "\"";
    return scrape().lines().filter(l -> l.startsWith(prefix)).findFirst().orElse("");
  }

  private String scrape() {
    try {
      return http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + edge.adminPort() + "/metrics"))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void anOutOfBandChangeReachesTheEdgeByWebhookAndTheNextReadIsFresh() throws Exception {
    String key = "sk_test_wh_e2e";
    String endpoint = createEndpoint(key, "");
    start(List.of(group(SECRET, endpoint)));
    pointEndpointAt(key, group(ID, endpoint), "/webhooks/stripe");
    String customer =
        group(ID, send(edgeUrl(), "POST", "/v1/customers", key, "name=Before").body());
    // customer.created arrives by webhook too and invalidates: wait until the entry stays cached.
    awaitCached(key, customer, null);

    assertThat(
            send(sim.baseUrl(), "POST", "/_sim/objects/" + customer, key, "name=After")
                .statusCode())
        .isEqualTo(200);

    assertThat(awaitRead(key, customer, null, "After")).contains("After");
    assertThat(scrape()).contains("stripe_edge_events_total{outcome=\"new\",source=\"webhook\"}");
  }

  @Test
  void aConnectEndpointKeepsAConnectedAccountsCacheFreshWithItsOwnSecret() throws Exception {
    String key = "sk_test_wh_connect";
    String account =
        group(ID, send(sim.baseUrl(), "POST", "/v1/accounts", key, "type=standard").body());
    String platform = createEndpoint(key, "");
    String connect = createEndpoint(key, "&connect=true");
    start(
        List.of(group(SECRET, platform)),
        List.of(
            new EdgeSettings.Endpoint(
                "/webhooks/connect", List.of(Secret.of(group(SECRET, connect))))));
    pointEndpointAt(key, group(ID, platform), "/webhooks/stripe");
    pointEndpointAt(key, group(ID, connect), "/webhooks/connect");
    String customer =
        group(ID, send(edgeUrl(), "POST", "/v1/customers", key, "name=Before", account).body());
    awaitCached(key, customer, account);

    assertThat(
            send(sim.baseUrl(), "POST", "/_sim/objects/" + customer, key, "name=After", account)
                .statusCode())
        .isEqualTo(200);

    assertThat(awaitRead(key, customer, account, "After")).contains("After");
    // The connected account's events were verified at the Connect endpoint: none was refused.
    assertThat(scrape()).doesNotContain("stripe_edge_webhooks_refused_total{endpoint=");
  }

  @Test
  void eachEndpointVerifiesOnlyWithItsOwnSecretsAndTheyShareOneLedger() throws Exception {
    String connectSecret = "whsec_connect_test_secret";
    start(
        List.of(EDGE_SECRET),
        List.of(new EdgeSettings.Endpoint("/webhooks/connect", List.of(Secret.of(connectSecret)))));
    String payload = event("evt_connect_1", "cus_connect");
    long now = Instant.now().getEpochSecond();

    HttpResponse<String> wrongSecret = deliver("/webhooks/connect", payload, signed(payload, now));
    HttpResponse<String> ownSecret =
        deliver(
            "/webhooks/connect",
            payload,
            Webhook.Signature.generateSignatureHeader(payload, connectSecret, now));
    HttpResponse<String> sameEventElsewhere = deliver(payload, signed(payload, now));

    assertThat(wrongSecret.statusCode()).isEqualTo(400);
    assertThat(wrongSecret.body()).contains("\"code\":\"signature_mismatch\"");
    assertThat(refusals("/webhooks/connect", "signature_mismatch")).endsWith(" 1.0");
    assertThat(refusals("/webhooks/stripe", "signature_mismatch")).isEmpty();
    assertThat(ownSecret.statusCode()).isEqualTo(200);
    assertThat(ownSecret.body()).contains("\"recorded\":\"new\"");
    assertThat(sameEventElsewhere.statusCode()).isEqualTo(200);
    assertThat(sameEventElsewhere.body()).contains("\"recorded\":\"duplicate_event\"");
  }

  @Test
  void aConnectEndpointWorksWithoutAPlatformSecretWhileThePlatformPathStillRefuses()
      throws Exception {
    String connectSecret = "whsec_connect_only";
    start(
        List.of(),
        List.of(new EdgeSettings.Endpoint("/webhooks/connect", List.of(Secret.of(connectSecret)))));
    String payload = event("evt_connect_only", "cus_connect_only");
    long now = Instant.now().getEpochSecond();

    HttpResponse<String> connect =
        deliver(
            "/webhooks/connect",
            payload,
            Webhook.Signature.generateSignatureHeader(payload, connectSecret, now));
    HttpResponse<String> platform = deliver(payload, signed(payload, now));

    assertThat(connect.statusCode()).isEqualTo(200);
    assertThat(platform.statusCode()).isEqualTo(503);
    assertThat(platform.body()).contains("webhooks_not_configured");
    assertThat(refusals("/webhooks/stripe", "not_configured")).endsWith(" 1.0");
  }

  /** Reads the customer through the edge until the answer is a cache hit (10 s at most). */
  private void awaitCached(String key, String customer, String account) throws Exception {
    String status = "";
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!status.endsWith("hit") && System.nanoTime() < deadline) {
      status =
          send(edgeUrl(), "GET", "/v1/customers/" + customer, key, "", account)
              .headers()
              .firstValue("Cache-Status")
              .orElse("");
    }
    assertThat(status).endsWith("hit");
  }

  /** Reads the customer through the edge until its body holds {@code text}; the last body. */
  private String awaitRead(String key, String customer, String account, String text)
      throws Exception {
    String body = "";
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      body = send(edgeUrl(), "GET", "/v1/customers/" + customer, key, "", account).body();
      if (body.contains(text)) {
        break;
      }
      Thread.sleep(20);
    }
    return body;
  }

  private String createEndpoint(String key, String extra) throws Exception {
    return send(
            sim.baseUrl(),
            "POST",
            "/v1/webhook_endpoints",
            key,
            "url="
                + URLEncoder.encode("http://127.0.0.1:1/placeholder", StandardCharsets.UTF_8)
                + "&enabled_events[]=*"
                + extra)
        .body();
  }

  private void pointEndpointAt(String key, String endpoint, String path) throws Exception {
    assertThat(
            send(
                    sim.baseUrl(),
                    "POST",
                    "/v1/webhook_endpoints/" + endpoint,
                    key,
                    "url=" + URLEncoder.encode(edgeUrl() + path, StandardCharsets.UTF_8))
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void aRedeliveryAnswers200ButIsNotAppliedTwice() throws Exception {
    start(List.of(EDGE_SECRET));
    String payload = event("evt_dup_1", "cus_dup");

    HttpResponse<String> first = deliver(payload, signed(payload, Instant.now().getEpochSecond()));
    HttpResponse<String> again = deliver(payload, signed(payload, Instant.now().getEpochSecond()));

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).contains("\"recorded\":\"new\"");
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).contains("\"recorded\":\"duplicate_event\"");
  }

  @Test
  void forgedStaleMalformedAndHugeDeliveriesAreRefusedAndCounted() throws Exception {
    start(List.of(EDGE_SECRET));
    String payload = event("evt_bad_1", "cus_bad");
    long now = Instant.now().getEpochSecond();

    HttpResponse<String> forged =
        deliver(payload, Webhook.Signature.generateSignatureHeader(payload, "whsec_other", now));
    HttpResponse<String> missing = deliver(payload, null);
    HttpResponse<String> stale = deliver(payload, signed(payload, now - 400));
    HttpResponse<String> malformed = deliver(payload, "v1=abc");
    HttpResponse<String> notJson = deliver("hello", signed("hello", now));
    String huge = "{\"pad\":\"" + "x".repeat(1 << 20) + "\"}";
    HttpResponse<String> tooLarge = deliver(huge, signed(huge, now));

    assertThat(forged.statusCode()).isEqualTo(400);
    assertThat(forged.body()).contains("\"code\":\"signature_mismatch\"");
    assertThat(missing.body()).contains("\"code\":\"missing_header\"");
    assertThat(stale.body()).contains("\"code\":\"stale_timestamp\"");
    assertThat(malformed.body()).contains("\"code\":\"malformed_header\"");
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(notJson.body()).contains("\"code\":\"not_an_event\"");
    assertThat(tooLarge.statusCode()).isEqualTo(413);
    assertThat(refusals("signature_mismatch")).endsWith(" 1.0");
    assertThat(refusals("payload_too_large")).endsWith(" 1.0");
    // Nothing of a refused delivery was recorded: the genuine one is new.
    assertThat(deliver(payload, signed(payload, now)).body()).contains("\"recorded\":\"new\"");
  }

  @Test
  void withoutASecretTheEndpointRefusesRatherThanAcceptingUnsignedEvents() throws Exception {
    start(List.of());

    HttpResponse<String> response = deliver(event("evt_x", "cus_x"), null);

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.body()).contains("webhooks_not_configured");
  }

  @Test
  void aRestartedEdgeStillKnowsProcessedEvents() throws Exception {
    start(List.of(EDGE_SECRET));
    String payload = event("evt_restart_1", "cus_restart");
    assertThat(deliver(payload, signed(payload, Instant.now().getEpochSecond())).body())
        .contains("\"recorded\":\"new\"");
    edge.close();

    start(List.of(EDGE_SECRET));

    assertThat(deliver(payload, signed(payload, Instant.now().getEpochSecond())).body())
        .contains("\"recorded\":\"duplicate_event\"");
  }
}
