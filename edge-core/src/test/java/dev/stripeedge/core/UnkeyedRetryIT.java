package dev.stripeedge.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimConfig.FaultKind;
import dev.stripeedge.sim.SimConfig.FaultRule;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client retrying a write without an idempotency key of its own (stripe-java with {@code
 * maxNetworkRetries(0)}) after the edge could not tell whether Stripe applied it gets the first
 * attempt's key, so Stripe applies it once; writes whose outcome was clear stay separate writes.
 */
class UnkeyedRetryIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final Scheduler NOW = delay -> CompletableFuture.completedFuture(null);
  private static final Pattern CUSTOMER = Pattern.compile("\"object\"\\s*:\\s*\"customer\"");
  private static final AtomicLong SEEDS = new AtomicLong(2_000);

  private final long[] now = {1_000_000_000L};
  private final List<String> keysSent = new ArrayList<>();
  private final Deque<Integer> script = new ArrayDeque<>();

  @AfterEach
  void clearFaults() {
    sim.sim().reconfigure(c -> c.withFaults(List.of()));
  }

  /** Answers each call with the next scripted status, 0 for a timeout; records the key sent. */
  private CompletableFuture<EdgeResponse> scripted(EdgeRequest request, Duration timeout) {
    keysSent.add(request.header(IdempotencyKeys.HEADER));
    int status = script.isEmpty() ? 200 : script.poll();
    if (status == 0) {
      return CompletableFuture.failedFuture(
          new UpstreamException(UpstreamException.Kind.TIMEOUT, "scripted timeout", null));
    }
    return CompletableFuture.completedFuture(
        new EdgeResponse(
            status,
            Map.of("content-type", List.of("application/json")),
            "{\"id\":\"cus_1\",\"object\":\"customer\"}".getBytes(StandardCharsets.UTF_8)));
  }

  private EdgePipeline pipeline(Upstream upstream) {
    return EdgePipeline.builder(upstream)
        .random(new SplittableRandom(SEEDS.incrementAndGet()))
        .scheduler(NOW)
        .ticker(() -> now[0])
        .retryConfig(RetryConfig.defaults().withMaxAttempts(1))
        .idempotencyConfig(new IdempotencyConfig(Duration.ofSeconds(60), 100))
        .build();
  }

  private static EdgeRequest post(String key, String form, String... headers) {
    Map<String, List<String>> map = new HashMap<>();
    map.put("Authorization", List.of("Bearer " + key));
    map.put("Content-Type", List.of("application/x-www-form-urlencoded"));
    for (int i = 0; i < headers.length; i += 2) {
      map.put(headers[i], List.of(headers[i + 1]));
    }
    return new EdgeRequest("POST", "/v1/customers", "", map, form.getBytes(StandardCharsets.UTF_8));
  }

  private static EdgeResponse call(EdgePipeline edge, EdgeRequest request) {
    return edge.handle(request).orTimeout(20, TimeUnit.SECONDS).join();
  }

  @Test
  void aRetryAfterATimeoutGoesUnderTheFirstAttemptsKey() {
    EdgePipeline edge = pipeline(this::scripted);
    script.add(0);

    EdgeResponse timedOut = call(edge, post("sk_test_ur_timeout", "name=Ada"));
    EdgeResponse retried = call(edge, post("sk_test_ur_timeout", "name=Ada"));

    assertThat(timedOut.status()).isEqualTo(504);
    assertThat(timedOut.header("stripe-edge-idempotency")).isEqualTo("remembered; for=60");
    assertThat(timedOut.header(IdempotencyKeys.HEADER)).isEqualTo(keysSent.get(0));
    assertThat(timedOut.bodyText()).contains(keysSent.get(0)).contains("at most once");
    assertThat(retried.status()).isEqualTo(200);
    assertThat(retried.header("stripe-edge-idempotency")).isEqualTo("reused");
    assertThat(keysSent).hasSize(2);
    assertThat(keysSent.get(1)).isEqualTo(keysSent.get(0));
  }

  @Test
  void twoIdenticalWritesThatBothSucceededStayTwoWrites() {
    EdgePipeline edge = pipeline(this::scripted);

    EdgeResponse first = call(edge, post("sk_test_ur_twice", "name=Ada"));
    EdgeResponse second = call(edge, post("sk_test_ur_twice", "name=Ada"));
    // After a reuse that settled, the next identical write is a new one too.
    script.add(0);
    call(edge, post("sk_test_ur_twice", "name=Ada"));
    call(edge, post("sk_test_ur_twice", "name=Ada"));
    call(edge, post("sk_test_ur_twice", "name=Ada"));

    assertThat(first.header("stripe-edge-idempotency")).isNull();
    assertThat(second.header("stripe-edge-idempotency")).isNull();
    assertThat(keysSent.get(1)).isNotEqualTo(keysSent.get(0));
    assertThat(keysSent.get(3)).isEqualTo(keysSent.get(2));
    assertThat(keysSent.get(4)).isNotEqualTo(keysSent.get(3));
  }

  @Test
  void aKeyIsReusedOnlyForTheSameWriteWithinTheWindow() {
    EdgePipeline edge = pipeline(this::scripted);
    script.add(500);
    call(edge, post("sk_test_ur_window", "name=Ada&email=a%40b.c"));

    // The same parameters spelled otherwise are the same write.
    call(edge, post("sk_test_ur_window", "name=Ada&email=a@b.c"));
    script.add(503);
    call(edge, post("sk_test_ur_window", "name=Ada"));
    call(edge, post("sk_test_ur_window", "name=Bob"));
    call(edge, post("sk_test_ur_window_other", "name=Ada"));
    call(edge, post("sk_test_ur_window", "name=Ada", "Stripe-Account", "acct_1"));
    now[0] += Duration.ofSeconds(61).toNanos();
    call(edge, post("sk_test_ur_window", "name=Ada"));

    assertThat(keysSent.get(1)).isEqualTo(keysSent.get(0));
    // name=Ada's 503 is remembered, but only for that key, account and body, for 60 s.
    assertThat(keysSent.subList(3, 7)).doesNotContain(keysSent.get(2)).doesNotHaveDuplicates();
  }

  @Test
  void theWindowCountsFromTheFirstAmbiguousAnswer() {
    EdgePipeline edge = pipeline(this::scripted);
    script.add(500);
    script.add(500);
    call(edge, post("sk_test_ur_first", "name=Ada"));
    now[0] += Duration.ofSeconds(40).toNanos();
    // Stripe replays its saved 500 under the reused key: still ambiguous, still the first window.
    EdgeResponse replayed = call(edge, post("sk_test_ur_first", "name=Ada"));
    now[0] += Duration.ofSeconds(21).toNanos();
    call(edge, post("sk_test_ur_first", "name=Ada"));

    assertThat(replayed.header("stripe-edge-idempotency")).isEqualTo("reused, remembered; for=60");
    assertThat(keysSent.get(1)).isEqualTo(keysSent.get(0));
    assertThat(keysSent.get(2)).isNotEqualTo(keysSent.get(0));
  }

  @Test
  void aConflictOnTheReusedKeyKeepsItRemembered() {
    EdgePipeline edge = pipeline(this::scripted);
    script.add(0);
    script.add(409);
    call(edge, post("sk_test_ur_conflict", "name=Ada"));

    EdgeResponse conflict = call(edge, post("sk_test_ur_conflict", "name=Ada"));
    call(edge, post("sk_test_ur_conflict", "name=Ada"));

    assertThat(conflict.status()).isEqualTo(409);
    assertThat(keysSent).hasSize(3).containsOnly(keysSent.get(0));
  }

  @Test
  void aClientsOwnKeyIsLeftAlone() {
    EdgePipeline edge = pipeline(this::scripted);
    script.add(0);

    EdgeResponse timedOut =
        call(edge, post("sk_test_ur_own", "name=Ada", IdempotencyKeys.HEADER, "mine-1"));
    call(edge, post("sk_test_ur_own", "name=Ada"));

    assertThat(timedOut.header("stripe-edge-idempotency")).isNull();
    assertThat(keysSent.get(0)).isEqualTo("mine-1");
    assertThat(keysSent.get(1)).isNotEqualTo("mine-1");
  }

  @Test
  void offMeansEveryUnkeyedWriteGetsAFreshKey() {
    EdgePipeline edge =
        EdgePipeline.builder(this::scripted)
            .scheduler(NOW)
            .retryConfig(RetryConfig.defaults().withMaxAttempts(1))
            .idempotencyConfig(IdempotencyConfig.off())
            .build();
    script.add(0);

    EdgeResponse timedOut = call(edge, post("sk_test_ur_off", "name=Ada"));
    call(edge, post("sk_test_ur_off", "name=Ada"));

    assertThat(timedOut.header("stripe-edge-idempotency")).isNull();
    assertThat(keysSent.get(1)).isNotEqualTo(keysSent.get(0));
  }

  @Test
  void aCreateAppliedBehindA504IsNotDuplicatedByTheClientsRetry() throws InterruptedException {
    String key = "sk_test_ur_sim_slow";
    EdgePipeline edge =
        EdgePipeline.builder(Upstream.jdk(URI.create(sim.baseUrl()), Duration.ofSeconds(5)))
            .random(new SplittableRandom(SEEDS.incrementAndGet()))
            .retryConfig(RetryConfig.defaults().withMaxAttempts(1))
            .build();
    // Stripe applies the create, then its answer arrives too slowly for the client's deadline.
    sim.sim()
        .reconfigure(
            c ->
                c.withFaults(
                    List.of(new FaultRule(FaultKind.SLOW_BODY, 1.0, "POST /v1/customers", 1))));

    EdgeResponse timedOut = call(edge, post(key, "name=Once", RetryConfig.DEADLINE_HEADER, "300"));
    // Retried as an application on stripe-java with maxNetworkRetries(0) would: the same request,
    // no key, again while Stripe says the first is still in progress (409, "try again later").
    EdgeResponse retried = call(edge, post(key, "name=Once"));
    for (int i = 0; i < 120 && retried.status() == 409; i++) {
      assertThat(retried.header("stripe-edge-idempotency")).startsWith("reused");
      Thread.sleep(250);
      retried = call(edge, post(key, "name=Once"));
    }

    assertThat(timedOut.status()).as(timedOut.bodyText()).isEqualTo(504);
    assertThat(retried.status()).as(retried.bodyText()).isEqualTo(200);
    EdgeResponse list =
        call(
            edge,
            new EdgeRequest(
                "GET",
                "/v1/customers",
                "limit=10",
                Map.of("Authorization", List.of("Bearer " + key)),
                new byte[0]));
    assertThat(CUSTOMER.matcher(list.bodyText()).results().count()).isEqualTo(1);
  }
}
