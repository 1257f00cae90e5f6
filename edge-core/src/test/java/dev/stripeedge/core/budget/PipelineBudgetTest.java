package dev.stripeedge.core.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.Upstream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Where the pipeline asks the budget: before every upstream attempt, never for a hit. */
class PipelineBudgetTest {

  private final AtomicInteger admits = new AtomicInteger();
  private final AtomicInteger releases = new AtomicInteger();
  private final AtomicInteger sends = new AtomicInteger();

  private final Budget counting =
      (request, route, deadline) -> {
        admits.incrementAndGet();
        return CompletableFuture.completedFuture(
            new Admission.Admitted(
                new Permit() {
                  @Override
                  public Lane lane() {
                    return Lane.NORMAL;
                  }

                  @Override
                  public long queuedNanos() {
                    return 0;
                  }

                  @Override
                  public void release(EdgeResponse response) {
                    releases.incrementAndGet();
                  }
                }));
      };

  private EdgePipeline pipeline(Budget budget, int... statuses) {
    Upstream upstream =
        (request, timeout) -> {
          int n = sends.getAndIncrement();
          int status = n < statuses.length ? statuses[n] : 200;
          return CompletableFuture.completedFuture(
              new EdgeResponse(
                  status,
                  Map.of("Content-Type", List.of("application/json")),
                  "{\"id\":\"cus_1\",\"object\":\"customer\"}".getBytes(StandardCharsets.UTF_8)));
        };
    return EdgePipeline.builder(upstream)
        .scheduler(delay -> CompletableFuture.completedFuture(null))
        .budget(budget)
        .build();
  }

  private static EdgeRequest request(String method, String path) {
    return new EdgeRequest(
        method,
        path,
        "",
        Map.of(
            "Authorization", List.of("Bearer sk_test_pb"),
            "Idempotency-Key", List.of("k1")),
        new byte[0]);
  }

  @Test
  void cacheHitsNeverConsumeBudget() {
    EdgePipeline edge = pipeline(counting);

    edge.handle(request("GET", "/v1/customers/cus_1")).join();
    EdgeResponse hit = edge.handle(request("GET", "/v1/customers/cus_1")).join();

    assertThat(hit.header("cache-status")).isEqualTo("stripe-edge; hit");
    assertThat(admits).hasValue(1);
    assertThat(releases).hasValue(1);
  }

  @Test
  void retriesPayBudgetToo() {
    EdgePipeline edge = pipeline(counting, 503, 503);

    EdgeResponse response = edge.handle(request("POST", "/v1/customers")).join();

    assertThat(response.status()).isEqualTo(200);
    assertThat(sends).hasValue(3);
    assertThat(admits).hasValue(3);
    assertThat(releases).hasValue(3);
  }

  @Test
  void aRefusalAnswersAtOnceWithoutCallingUpstream() {
    Budget refusing =
        (EdgeRequest request, Route route, Duration deadline) ->
            CompletableFuture.completedFuture(
                new Admission.Refused(
                    Shaper.refusal(Lane.BACKGROUND, Duration.ofSeconds(2)), Duration.ofSeconds(2)));
    EdgePipeline edge = pipeline(refusing);

    EdgeResponse response = edge.handle(request("GET", "/v1/customers")).join();

    assertThat(sends).hasValue(0);
    assertThat(response.status()).isEqualTo(429);
    assertThat(response.header("retry-after")).isEqualTo("2");
    assertThat(response.header("stripe-edge-refused")).isEqualTo("budget");
    assertThat(response.header("server-timing")).contains("queue;dur=");
  }
}
