package dev.stripeedge.core.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.core.budget.BudgetConfig;
import dev.stripeedge.core.budget.FakeTime;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One slow route (invoice listing at 5 s) beside checkout-like creates on the same account, on fake
 * time: judged by the creates' fake latencies and by counts, never by wall-clock time.
 */
class IsolationPipelineTest {

  private static final Duration TICK = Duration.ofMillis(50);

  private final FakeTime time = new FakeTime();
  private Duration invoicesLatency = Duration.ofMillis(50);

  private final Upstream upstream =
      (request, timeout) -> {
        Duration latency =
            request.path().startsWith("/v1/invoices") ? invoicesLatency : Duration.ofMillis(50);
        return time.after(latency)
            .thenApply(
                ignored ->
                    new EdgeResponse(
                        200,
                        Map.of("Content-Type", List.of("application/json")),
                        "{\"object\":\"list\",\"data\":[]}".getBytes(StandardCharsets.UTF_8)));
      };

  private EdgePipeline pipeline(IsolationConfig isolation) {
    return EdgePipeline.builder(upstream)
        .ticker(time)
        .scheduler(time)
        .budgetConfig(BudgetConfig.live().withConcurrency(40))
        .isolation(isolation)
        .build();
  }

  private static EdgeRequest request(String method, String path) {
    return new EdgeRequest(
        method,
        path,
        method.equals("POST") ? "" : "limit=10",
        Map.of("Authorization", List.of("Bearer sk_live_iso")),
        method.equals("POST")
            ? "amount=1000&currency=usd".getBytes(StandardCharsets.UTF_8)
            : new byte[0]);
  }

  /** What one run saw: the creates' latencies and statuses, and the invoices' statuses. */
  private record Run(
      List<Long> createMillis, List<Integer> createStatuses, List<EdgeResponse> invoices) {}

  /** 20 invoice lists and 10 creates a second: 30 s as usual, then 15 s with invoices slow. */
  private Run run(EdgePipeline edge) {
    traffic(edge, 30, null);
    invoicesLatency = Duration.ofSeconds(5);
    Run run = new Run(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    traffic(edge, 15, run);
    time.advance(Duration.ofSeconds(10)); // everything answers
    return run;
  }

  private void traffic(EdgePipeline edge, int seconds, Run run) {
    for (int tick = 0; tick < seconds * 20; tick++) {
      edge.handle(request("GET", "/v1/invoices"))
          .thenAccept(
              response -> {
                if (run != null) {
                  run.invoices().add(response);
                }
              });
      if (tick % 2 == 0) {
        long start = time.nanos();
        edge.handle(request("POST", "/v1/payment_intents"))
            .thenAccept(
                response -> {
                  if (run != null) {
                    run.createMillis().add((time.nanos() - start) / 1_000_000);
                    run.createStatuses().add(response.status());
                  }
                });
      }
      time.advance(TICK);
    }
  }

  @Test
  void withIsolationASlowRouteDoesNotSlowCreatesOnTheSameAccount() {
    EdgePipeline edge = pipeline(IsolationConfig.defaults());

    Run run = run(edge);

    assertThat(run.createStatuses()).hasSize(150).containsOnly(200);
    assertThat(run.createMillis()).allMatch(millis -> millis <= 50);
    // The slow route was flagged, and its surplus refused at once by its bulkhead.
    assertThat(edge.isolation().anomalies().current())
        .anySatisfy(
            flag -> {
              assertThat(flag.key().route()).isEqualTo("GET /v1/invoices");
              assertThat(flag.reason()).isEqualTo(AnomalyRule.Reason.SLOWER_THAN_BASELINE);
            });
    assertThat(run.invoices())
        .anySatisfy(
            response -> {
              assertThat(response.status()).isEqualTo(503);
              assertThat(response.header("stripe-edge-refused")).isEqualTo("bulkhead");
            });
  }

  @Test
  void withoutItTheSameRunQueuesCreatesBehindTheSlowRoute() {
    EdgePipeline edge = pipeline(IsolationConfig.off());

    Run run = run(edge);

    assertThat(edge.isolation()).isNull();
    assertThat(run.createMillis().stream().mapToLong(Long::longValue).max().orElse(0))
        .isGreaterThan(1000);
  }
}
