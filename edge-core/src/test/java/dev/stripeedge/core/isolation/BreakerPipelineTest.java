package dev.stripeedge.core.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.core.budget.FakeTime;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** An open breaker in the pipeline: reads served stale-if-error, writes refused fast. */
class BreakerPipelineTest {

  private final FakeTime time = new FakeTime();
  private final AtomicInteger calls = new AtomicInteger();
  private volatile int status = 200;

  private final Upstream upstream =
      (request, timeout) -> {
        calls.incrementAndGet();
        return CompletableFuture.completedFuture(
            new EdgeResponse(
                status,
                Map.of("Content-Type", List.of("application/json")),
                (status == 200
                        ? "{\"id\":\"cus_1\",\"object\":\"customer\"}"
                        : "{\"error\":{\"type\":\"api_error\"}}")
                    .getBytes(StandardCharsets.UTF_8)));
      };

  private final EdgePipeline edge =
      EdgePipeline.builder(upstream)
          .ticker(time)
          .scheduler(time)
          .isolation(IsolationConfig.defaults())
          .build();

  private static EdgeRequest request(String method, String path) {
    return new EdgeRequest(
        method,
        path,
        "",
        Map.of(
            "Authorization", List.of("Bearer sk_test_breaker"),
            "Idempotency-Key", List.of("k-" + path + method)),
        method.equals("POST") ? "name=x".getBytes(StandardCharsets.UTF_8) : new byte[0]);
  }

  private EdgeResponse send(String method, String path) {
    CompletableFuture<EdgeResponse> answer = edge.handle(request(method, path));
    time.advance(Duration.ofSeconds(1)); // retries' backoffs
    return answer.join();
  }

  @Test
  void whileOpenACachedReadIsServedStaleIfErrorAndAWriteIsRefusedAtOnce() {
    assertThat(send("GET", "/v1/customers/cus_1").status()).isEqualTo(200);
    time.advance(Duration.ofMinutes(2)); // past the customer's TTL, inside stale-if-error
    status = 500;
    List<CompletableFuture<EdgeResponse>> failing = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      failing.add(edge.handle(request("GET", "/v1/customers/cus_x" + i)));
      failing.add(edge.handle(request("POST", "/v1/customers/cus_x" + i)));
    }
    time.advance(Duration.ofSeconds(2)); // their retries: the breakers open within 1 s
    failing.forEach(CompletableFuture::join);
    assertThat(IsolationTest.byRoute(edge.isolation().breakerStates()))
        .containsEntry("GET /v1/customers/{id}", "OPEN")
        .containsEntry("POST /v1/customers/{id}", "OPEN");
    int before = calls.get();

    EdgeResponse read = send("GET", "/v1/customers/cus_1");
    EdgeResponse write = send("POST", "/v1/customers/cus_1");

    assertThat(read.status()).isEqualTo(200);
    assertThat(read.header("cache-status")).contains("stale-if-error");
    assertThat(write.status()).isEqualTo(503);
    assertThat(write.header("stripe-edge-refused")).isEqualTo("circuit-open");
    assertThat(write.header("retry-after")).isEqualTo("5");
    assertThat(calls).hasValue(before); // neither reached upstream
  }
}
