package dev.stripeedge.core.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The reconciler against the real simulator, with no webhook endpoint at all. */
class ReconcilerIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Upstream simHttp = Upstream.jdk(URI.create(sim.baseUrl()), Duration.ofSeconds(5));
  private final EdgePipeline edge =
      EdgePipeline.builder(simHttp)
          .scheduler(delay -> CompletableFuture.completedFuture(null))
          .meterRegistry(meters)
          .build();
  private final EventLedger ledger = EventLedger.inMemory();
  private final EventProcessor processor =
      EventProcessor.of(ledger, edge, Clock.systemUTC(), meters);

  private static EdgeRequest request(String method, String key, String path, String form) {
    return new EdgeRequest(
        method,
        path,
        "",
        Map.of(
            "authorization", List.of("Bearer " + key),
            "content-type", List.of("application/x-www-form-urlencoded")),
        form.getBytes(StandardCharsets.UTF_8));
  }

  private EdgeResponse viaEdge(String method, String key, String path, String form) {
    return edge.handle(request(method, key, path, form)).orTimeout(10, TimeUnit.SECONDS).join();
  }

  private void changeOutOfBand(String key, String id, String form) {
    EdgeResponse response =
        simHttp
            .send(request("POST", key, "/_sim/objects/" + id, form), Duration.ofSeconds(5))
            .join();
    assertThat(response.status()).as(response.bodyText()).isEqualTo(200);
  }

  private static String id(EdgeResponse response) {
    Matcher matcher = ID.matcher(response.bodyText());
    assertThat(matcher.find()).isTrue();
    return matcher.group(1);
  }

  @Test
  void theFirstPassOnlyNotesTheNewestEvent() {
    String key = "sk_test_rec_first";
    viaEdge("POST", key, "/v1/customers", "name=A");
    Reconciler reconciler = Reconciler.of(edge, processor, key, 10, meters);

    Reconciler.Pass pass = reconciler.runOnce();

    assertThat(pass.events()).isZero();
    assertThat(pass.cursor()).startsWith("evt_").isEqualTo(ledger.cursor());
  }

  @Test
  void anAccountWithoutEventsAtTheFirstPassIsReadFromTheStart() {
    String key = "sk_test_rec_empty";
    Reconciler reconciler = Reconciler.of(edge, processor, key, 10, meters);
    assertThat(reconciler.runOnce().cursor()).isNull();
    String customer = id(viaEdge("POST", key, "/v1/customers", "name=A"));
    viaEdge("POST", key, "/v1/customers/" + customer, "name=B");

    Reconciler.Pass pass = reconciler.runOnce();

    assertThat(pass.events()).isEqualTo(2);
    assertThat(pass.applied()).isEqualTo(2);
    assertThat(reconciler.runOnce().events()).isZero();
  }

  private EdgeResponse asAccount(
      String method, String key, String account, String path, String form) {
    EdgeRequest request =
        new EdgeRequest(
            method,
            path,
            "",
            Map.of(
                "authorization", List.of("Bearer " + key),
                "stripe-account", List.of(account),
                "content-type", List.of("application/x-www-form-urlencoded")),
            form.getBytes(StandardCharsets.UTF_8));
    return edge.handle(request).orTimeout(10, TimeUnit.SECONDS).join();
  }

  @Test
  void aPassRepairsAConnectedAccountsChangeNoWebhookReported() {
    String key = "sk_test_rec_connect";
    String account = id(viaEdge("POST", key, "/v1/accounts", "type=custom"));
    String customer = id(asAccount("POST", key, account, "/v1/customers", "name=Before"));
    // The ledger learns the account from one of its events (a Connect webhook).
    processor.process(
        new StripeEvent("evt_seen_" + account, "account.updated", 1, account, account, Set.of()),
        "webhook");
    Reconciler reconciler = Reconciler.of(edge, processor, key, 10, 5, meters);
    assertThat(reconciler.runOnce().accounts()).isEqualTo(1);
    asAccount("GET", key, account, "/v1/customers/" + customer, "");
    EdgeResponse changed =
        simHttp
            .send(
                new EdgeRequest(
                    "POST",
                    "/_sim/objects/" + customer,
                    "",
                    Map.of(
                        "authorization", List.of("Bearer " + key),
                        "stripe-account", List.of(account),
                        "content-type", List.of("application/x-www-form-urlencoded")),
                    "name=After".getBytes(StandardCharsets.UTF_8)),
                Duration.ofSeconds(5))
            .join();
    assertThat(changed.status()).as(changed.bodyText()).isEqualTo(200);
    assertThat(asAccount("GET", key, account, "/v1/customers/" + customer, "").bodyText())
        .as("cached, so stale until repaired")
        .contains("Before");

    Reconciler.Pass pass = reconciler.runOnce();

    assertThat(pass.applied()).isEqualTo(1);
    assertThat(asAccount("GET", key, account, "/v1/customers/" + customer, "").bodyText())
        .contains("After");
  }

  @Test
  void connectedAccountsArePolledInRotationUpToTheBound() {
    String key = "sk_test_rec_rotation";
    List<String> accounts = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String account = id(viaEdge("POST", key, "/v1/accounts", "type=custom"));
      accounts.add(account);
      processor.process(
          new StripeEvent("evt_seen_" + account, "account.updated", 1, account, account, Set.of()),
          "webhook");
    }
    Reconciler reconciler = Reconciler.of(edge, processor, key, 10, 2, meters);

    assertThat(reconciler.runOnce().accounts()).isEqualTo(2);
    assertThat(reconciler.runOnce().accounts()).isEqualTo(2);
    // After two passes of two, each of the three has been polled: each has its own cursor.
    for (String account : accounts) {
      assertThat(ledger.cursor(account)).as(account).isNotNull();
    }
  }

  @Test
  void aPassRepairsAnOutOfBandChangeNoWebhookReported() {
    String key = "sk_test_rec_repair";
    String customer = id(viaEdge("POST", key, "/v1/customers", "name=Before"));
    Reconciler reconciler = Reconciler.of(edge, processor, key, 10, meters);
    reconciler.runOnce();
    viaEdge("GET", key, "/v1/customers/" + customer, "");
    changeOutOfBand(key, customer, "name=After");
    assertThat(viaEdge("GET", key, "/v1/customers/" + customer, "").bodyText())
        .as("cached, so stale until repaired")
        .contains("Before");

    Reconciler.Pass pass = reconciler.runOnce();

    assertThat(pass.events()).isEqualTo(1);
    assertThat(pass.applied()).isEqualTo(1);
    assertThat(viaEdge("GET", key, "/v1/customers/" + customer, "").bodyText()).contains("After");
    assertThat(reconciler.runOnce().events()).as("nothing new").isZero();
  }

  @Test
  void passesWalkEveryPageOldestFirstAndSkipWhatWebhooksAlreadyApplied() {
    String key = "sk_test_rec_pages";
    viaEdge("POST", key, "/v1/customers", "name=Start");
    Reconciler reconciler = Reconciler.of(edge, processor, key, 10, meters);
    reconciler.runOnce();
    for (int i = 0; i < 230; i++) {
      viaEdge("POST", key, "/v1/customers", "name=C" + i);
    }
    EdgeResponse newest =
        edge.handle(
                new EdgeRequest(
                    "GET",
                    "/v1/events",
                    "limit=1",
                    Map.of("authorization", List.of("Bearer " + key)),
                    new byte[0]))
            .join();
    // A webhook already brought the newest event in.
    processor.process(StripeEvent.parse(firstEvent(newest.bodyText())), "webhook");

    Reconciler.Pass pass = reconciler.runOnce();

    assertThat(pass.pages()).isEqualTo(3);
    assertThat(pass.events()).isEqualTo(230);
    assertThat(pass.applied()).isEqualTo(229);
    assertThat(ledger.cursor())
        .isEqualTo(id(newest.bodyText().substring(newest.bodyText().indexOf("\"data\""))));
  }

  private static byte[] firstEvent(String list) {
    int start = list.indexOf('{', list.indexOf("\"data\""));
    int depth = 0;
    for (int i = start; i < list.length(); i++) {
      char c = list.charAt(i);
      if (c == '{') {
        depth++;
      } else if (c == '}' && --depth == 0) {
        return list.substring(start, i + 1).getBytes(StandardCharsets.UTF_8);
      }
    }
    throw new AssertionError("no event in " + list);
  }

  private static String id(String text) {
    Matcher matcher = ID.matcher(text);
    assertThat(matcher.find()).isTrue();
    return matcher.group(1);
  }
}
