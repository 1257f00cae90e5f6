package dev.stripeedge.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.core.isolation.IsolationConfig;
import dev.stripeedge.core.queue.AsyncWriteConfig;
import dev.stripeedge.core.queue.AsyncWrites;
import dev.stripeedge.core.queue.CredentialSeal;
import dev.stripeedge.core.queue.WriteState;
import dev.stripeedge.core.queue.WriteStatus;
import dev.stripeedge.testkit.FakeTime;
import dev.stripeedge.testkit.Waits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Asynchronous writes meeting an open circuit breaker, on fake time, through the real pipeline
 * (isolation on) and the real SQLite queue: the writes are accepted, held while the breaker is open
 * without spending attempts or reaching upstream, and applied once each after it closes.
 */
class AsyncBreakerTest {

  private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");
  private static final String KEY = "Bearer sk_live_breaker_async";

  private final FakeTime time = new FakeTime(T0);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  // What reached "Stripe": the idempotency key of every attempt answered 200.
  private final List<String> applied = new CopyOnWriteArrayList<>();
  private final AtomicInteger upstreamCalls = new AtomicInteger();
  private final AtomicInteger pipelineCalls = new AtomicInteger();
  private volatile int status = 503;

  private final Upstream upstream =
      (request, timeout) -> {
        upstreamCalls.incrementAndGet();
        int answer = status;
        if (answer == 200) {
          applied.add(String.valueOf(request.header("idempotency-key")));
        }
        // Answered 100 ms later on fake time: a probe is still in flight while the round goes on.
        return time.after(Duration.ofMillis(100))
            .thenApply(
                ignored ->
                    new EdgeResponse(
                        answer,
                        Map.of("Content-Type", List.of("application/json")),
                        (answer == 200
                                ? "{\"id\":\"cus_1\",\"object\":\"customer\"}"
                                : "{\"error\":{}}")
                            .getBytes(StandardCharsets.UTF_8)));
      };

  private final EdgePipeline pipeline =
      EdgePipeline.builder(upstream)
          .ticker(time)
          .scheduler(time)
          .clock(time.clock())
          .meterRegistry(meters)
          .isolation(IsolationConfig.defaults())
          .build();

  private Path dir;
  private SqliteWorkQueue queue;
  private AsyncWrites writes;

  @BeforeEach
  void open() throws Exception {
    dir = Files.createTempDirectory("async-breaker");
    queue = SqliteWorkQueue.open(dir.resolve("edge.db"));
    EdgePipeline counted =
        new EdgePipeline() {
          @Override
          public CompletableFuture<EdgeResponse> handle(EdgeRequest request) {
            pipelineCalls.incrementAndGet();
            return pipeline.handle(request);
          }

          @Override
          public void invalidate(String objectId) {}

          @Override
          public long cachedBytes() {
            return 0;
          }
        };
    // Two attempts at most: were the held deliveries counted, every write would be dead by now.
    writes =
        AsyncWrites.over(
            counted,
            queue,
            CredentialSeal.derivedFrom(new byte[32]),
            AsyncWriteConfig.defaults().toBuilder().maxAttempts(2).build(),
            time.clock(),
            new SplittableRandom(3),
            meters);
  }

  @AfterEach
  void close() {
    writes.close();
    queue.close();
  }

  private static EdgeRequest create(int n, boolean async) {
    EdgeRequest request =
        new EdgeRequest(
            "POST",
            "/v1/customers",
            "",
            Map.of(
                "Authorization", List.of(KEY),
                "Content-Type", List.of("application/x-www-form-urlencoded")),
            ("name=n" + n).getBytes(StandardCharsets.UTF_8));
    return async
        ? request.withHeader("Prefer", "respond-async")
        : request.withHeader("Idempotency-Key", "sync-" + n);
  }

  /**
   * One worker round, 200 ms of fake time for upstream's answers, then waits (real time) until
   * every delivery it made is recorded.
   */
  private List<WriteStatus> round(List<String> ids) {
    writes.runOnce();
    time.advance(Duration.ofMillis(200));
    List<WriteStatus> statuses = new ArrayList<>();
    Waits.until(
        "the round's outcomes recorded",
        () -> {
          statuses.clear();
          for (String id : ids) {
            statuses.add(queue.status(id).orElseThrow());
          }
          return statuses.stream().noneMatch(s -> s.state() == WriteState.IN_FLIGHT);
        });
    return statuses;
  }

  private double shedByBreaker() {
    return meters.find("edge.isolation.shed").tag("cause", "breaker").counters().stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  @Test
  void writesAcceptedWhileTheBreakerIsOpenWaitItOutAndAreAppliedOnceEachAfter() throws Exception {
    // Stripe fails every create: synchronous ones open the route's breaker, then are refused.
    List<CompletableFuture<EdgeResponse>> failing = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      failing.add(pipeline.handle(create(i, false)));
    }
    time.advance(Duration.ofSeconds(2)); // their retries
    failing.forEach(CompletableFuture::join);
    EdgeResponse refused = pipeline.handle(create(99, false)).join();
    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.header("stripe-edge-refused")).isEqualTo("circuit-open");
    assertThat(refused.header("retry-after")).isEqualTo("5");

    // Asked asynchronously, the same writes are accepted into the queue.
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      EdgeResponse accepted = writes.offer(create(i, true)).get();
      assertThat(accepted.status()).as(accepted.bodyText()).isEqualTo(202);
      ids.add(accepted.header("stripe-edge-write"));
    }
    int calls = upstreamCalls.get();
    double shed = shedByBreaker();

    // The first round (t = 2 s) meets the open breaker: each write is held for its Retry-After
    // (5 s, plus jitter under 0.25 s), its attempt not spent.
    List<WriteStatus> held = round(ids);
    assertThat(held)
        .allSatisfy(
            s -> {
              assertThat(s.state()).isEqualTo(WriteState.QUEUED);
              assertThat(s.attempts()).isZero();
              assertThat(s.reason()).isEqualTo("held: circuit-open");
            });
    assertThat(shedByBreaker()).isEqualTo(shed + 6);
    // While it stays open (rounds to t = 5.8 s) the workers leave it alone: no delivery, no
    // refusal, nothing upstream.
    int delivered = pipelineCalls.get();
    for (int second = 1; second <= 3; second++) {
      time.advance(Duration.ofSeconds(1));
      round(ids);
    }
    assertThat(pipelineCalls.get()).isEqualTo(delivered);
    assertThat(shedByBreaker()).isEqualTo(shed + 6);
    assertThat(upstreamCalls.get()).isEqualTo(calls);

    // Stripe recovers. Past the open period (t = 7.3 s) the breaker lets its three probes
    // through; the other writes met in that round are held a second (half-open), then go once the
    // probes' successes have closed it.
    status = 200;
    time.advance(Duration.ofMillis(1_500));
    List<WriteStatus> probed = round(ids);
    assertThat(probed).filteredOn(s -> s.state() == WriteState.SUCCEEDED).hasSize(3);
    assertThat(probed)
        .filteredOn(s -> s.state() == WriteState.QUEUED)
        .hasSize(3)
        .allSatisfy(s -> assertThat(s.attempts()).isZero());
    time.advance(Duration.ofMillis(1_300));
    List<WriteStatus> done = round(ids);

    assertThat(done)
        .allSatisfy(
            s -> {
              assertThat(s.state()).isEqualTo(WriteState.SUCCEEDED);
              assertThat(s.attempts()).isEqualTo(1);
            });
    // Each write reached Stripe once, under the key fixed at acceptance.
    assertThat(applied)
        .containsExactlyInAnyOrderElementsOf(
            done.stream().map(WriteStatus::idempotencyKey).toList());
  }
}
