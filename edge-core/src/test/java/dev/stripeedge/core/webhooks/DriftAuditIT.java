package dev.stripeedge.core.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The drift audit against the real simulator, every webhook delivery dropped. */
class DriftAuditIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(
          SimConfig.forTests()
              .withLimits(SimConfig.Limits.off())
              .withWebhooks(new SimConfig.Webhooks(0, 1000, 8, 10_000, 1.0, 0, 0, 500)));

  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Upstream simHttp = Upstream.jdk(URI.create(sim.baseUrl()), Duration.ofSeconds(5));
  private final EdgePipeline edge =
      EdgePipeline.builder(simHttp)
          .scheduler(delay -> CompletableFuture.completedFuture(null))
          .meterRegistry(meters)
          .build();

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

  private EdgeResponse read(String key, String customer) {
    return viaEdge("GET", key, "/v1/customers/" + customer, "");
  }

  /** Changes the object on the simulator only: the edge sees no write and gets no webhook. */
  private void changeOutOfBand(String key, String id, String form) {
    EdgeResponse response =
        simHttp
            .send(request("POST", key, "/_sim/objects/" + id, form), Duration.ofSeconds(5))
            .join();
    assertThat(response.status()).as(response.bodyText()).isEqualTo(200);
  }

  /** Customers created and read through the edge, so each is cached as a plain retrieve. */
  private List<String> cachedCustomers(String key, String prefix, int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      EdgeResponse created = viaEdge("POST", key, "/v1/customers", "name=" + prefix + i);
      Matcher matcher = ID.matcher(created.bodyText());
      assertThat(matcher.find()).as(created.bodyText()).isTrue();
      ids.add(matcher.group(1));
    }
    for (String id : ids) {
      read(key, id);
      assertThat(read(key, id).header("cache-status")).as("cached").contains("hit");
    }
    return ids;
  }

  private double counter(String name) {
    return meters.get(name).counter().count();
  }

  @Test
  void findsCountsAndInvalidatesWhatChangedOutOfBand() {
    String key = "sk_test_drift_found";
    List<String> customers = cachedCustomers(key, "Before", 5);
    changeOutOfBand(key, customers.get(1), "name=After1");
    changeOutOfBand(key, customers.get(3), "name=After3");
    assertThat(read(key, customers.get(1)).bodyText())
        .as("no webhook arrived: still the cached copy")
        .contains("Before1");
    DriftAudit audit = DriftAudit.of(edge, key, 20, Clock.systemUTC(), meters);
    assertThat(audit.lastReport()).isNull();

    DriftAudit.Report report = audit.runOnce();

    assertThat(report.sampled()).isEqualTo(5);
    assertThat(report.checked()).isEqualTo(5);
    assertThat(report.failed()).isZero();
    assertThat(report.drifted()).isEqualTo(2);
    assertThat(report.driftedIds()).containsExactlyInAnyOrder(customers.get(1), customers.get(3));
    assertThat(report.driftRate()).isEqualTo(0.4);
    assertThat(audit.lastReport()).isEqualTo(report);
    assertThat(read(key, customers.get(1)).bodyText()).contains("After1");
    assertThat(read(key, customers.get(3)).bodyText()).contains("After3");
    EdgeResponse unchanged = read(key, customers.get(0));
    assertThat(unchanged.bodyText()).contains("Before0");
    assertThat(unchanged.header("cache-status"))
        .as("an entry that had not drifted stays cached")
        .contains("hit");
    assertThat(counter("stripe.edge.drift.sampled")).isEqualTo(5);
    assertThat(counter("stripe.edge.drift.drifted")).isEqualTo(2);
    assertThat(meters.get("stripe.edge.drift.rate").gauge().value()).isEqualTo(0.4);

    DriftAudit.Report again = audit.runOnce();

    assertThat(again.sampled())
        .as("the two re-read after invalidation are cached again")
        .isEqualTo(5);
    assertThat(again.drifted()).isZero();
    assertThat(again.driftRate()).isZero();
    assertThat(counter("stripe.edge.drift.drifted")).isEqualTo(2);
    assertThat(meters.get("stripe.edge.drift.rate").gauge().value()).isZero();
  }

  @Test
  void aConnectedAccountsEntryIsRefetchedAsThatAccount() {
    String key = "sk_test_drift_connect";
    Matcher created = ID.matcher(viaEdge("POST", key, "/v1/accounts", "type=custom").bodyText());
    assertThat(created.find()).isTrue();
    String account = created.group(1);
    Map<String, List<String>> headers =
        Map.of(
            "authorization", List.of("Bearer " + key),
            "stripe-account", List.of(account),
            "content-type", List.of("application/x-www-form-urlencoded"));
    Matcher customer =
        ID.matcher(
            edge.handle(
                    new EdgeRequest(
                        "POST",
                        "/v1/customers",
                        "",
                        headers,
                        "name=Before".getBytes(StandardCharsets.UTF_8)))
                .join()
                .bodyText());
    assertThat(customer.find()).isTrue();
    EdgeRequest retrieve =
        new EdgeRequest("GET", "/v1/customers/" + customer.group(1), "", headers, new byte[0]);
    edge.handle(retrieve).join();
    assertThat(
            simHttp
                .send(
                    new EdgeRequest(
                        "POST",
                        "/_sim/objects/" + customer.group(1),
                        "",
                        headers,
                        "name=After".getBytes(StandardCharsets.UTF_8)),
                    Duration.ofSeconds(5))
                .join()
                .status())
        .isEqualTo(200);

    DriftAudit.Report report = DriftAudit.of(edge, key, 20, Clock.systemUTC(), meters).runOnce();

    // Refetched with its Stripe-Account (the cache key holds it): drift found, not a 404.
    assertThat(report.driftedIds()).containsExactly(customer.group(1));
    assertThat(edge.handle(retrieve).join().bodyText()).contains("After");
  }

  @Test
  void entriesCachedUnderAnotherApiKeyAreNotAudited() {
    String auditKey = "sk_test_drift_mine";
    String otherKey = "sk_test_drift_other";
    List<String> mine = cachedCustomers(auditKey, "Mine", 2);
    String theirs = cachedCustomers(otherKey, "Theirs", 1).get(0);
    changeOutOfBand(otherKey, theirs, "name=TheirsAfter");

    DriftAudit.Report report =
        DriftAudit.of(edge, auditKey, 20, Clock.systemUTC(), meters).runOnce();

    assertThat(report.sampled()).isEqualTo(mine.size());
    assertThat(report.drifted()).isZero();
    assertThat(read(otherKey, theirs).bodyText())
        .as("not audited, so still the cached copy")
        .contains("Theirs0");
  }

  @Test
  void aPassSamplesAtMostItsSize() {
    String key = "sk_test_drift_size";
    List<String> customers = cachedCustomers(key, "Size", 6);
    for (String customer : customers) {
      changeOutOfBand(key, customer, "name=Changed");
    }

    DriftAudit.Report report = DriftAudit.of(edge, key, 4, Clock.systemUTC(), meters).runOnce();

    assertThat(report.sampled()).isEqualTo(4);
    assertThat(report.drifted()).isEqualTo(4);
    assertThat(report.driftRate()).isEqualTo(1.0);
    long stillStale =
        customers.stream().filter(c -> read(key, c).bodyText().contains("Size")).count();
    assertThat(stillStale).as("the two not sampled keep their cached copy").isEqualTo(2);
  }

  @Test
  void aListOrARetrieveWithAQueryIsNotSampled() {
    String key = "sk_test_drift_plain";
    String customer = cachedCustomers(key, "Plain", 1).get(0);
    edge.handle(
            new EdgeRequest(
                "GET",
                "/v1/customers/" + customer,
                "expand[]=default_source",
                Map.of("authorization", List.of("Bearer " + key)),
                new byte[0]))
        .join();

    List<?> sample = edge.auditSample(key, 20);

    assertThat(sample).hasSize(1);
  }

  @Test
  void refusesABlankKeyOrAnEmptySample() {
    assertThatThrownBy(() -> DriftAudit.of(edge, " ", 20, Clock.systemUTC(), meters))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DriftAudit.of(edge, "sk_test_x", 0, Clock.systemUTC(), meters))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
