package dev.stripeedge.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.core.budget.Budget;
import dev.stripeedge.core.budget.BudgetConfig;
import dev.stripeedge.core.budget.ForecastConfig;
import dev.stripeedge.core.budget.LaneRule;
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
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Asynchronous writes the budget cannot admit at once, on fake time, through the real pipeline (the
 * budget's shaper) and the real SQLite queue: the workers offer more writes than the endpoint's
 * rate admits within the background lane's longest wait, the budget refuses the rest without
 * sending them, and those are held for the refusal's {@code Retry-After} without spending an
 * attempt; every write is applied once. (With one attempt allowed, a refusal counted as an attempt
 * would make the write dead.)
 */
class AsyncBudgetTest {

  private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");
  private static final String KEY = "Bearer sk_live_budget_async";

  private final FakeTime time = new FakeTime(T0);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  // What reached "Stripe": the idempotency key of every call.
  private final List<String> applied = new CopyOnWriteArrayList<>();

  private final Upstream upstream =
      (request, timeout) -> {
        applied.add(String.valueOf(request.header("idempotency-key")));
        return time.after(Duration.ofMillis(100))
            .thenApply(
                ignored ->
                    new EdgeResponse(
                        200,
                        Map.of("Content-Type", List.of("application/json")),
                        "{\"id\":\"cus_1\",\"object\":\"customer\"}"
                            .getBytes(StandardCharsets.UTF_8)));
      };

  // Two creates a second on the endpoint, a bucket of one; background waits for nothing: what
  // finds no token now is refused.
  private final EdgePipeline pipeline =
      EdgePipeline.builder(upstream)
          .ticker(time)
          .scheduler(time)
          .clock(time.clock())
          .meterRegistry(meters)
          .budget(
              Budget.shaper(
                  BudgetConfig.live()
                      .withRates(97, 2)
                      .withBurst(0.5)
                      .withForecast(ForecastConfig.off())
                      .withMaxWaits(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ZERO),
                  LaneRule.stripe(),
                  time,
                  time,
                  meters,
                  new byte[32]))
          .build();

  private Path dir;
  private SqliteWorkQueue queue;
  private AsyncWrites writes;

  @BeforeEach
  void open() throws Exception {
    dir = Files.createTempDirectory("async-budget");
    queue = SqliteWorkQueue.open(dir.resolve("edge.db"));
    writes =
        AsyncWrites.over(
            pipeline,
            queue,
            CredentialSeal.derivedFrom(new byte[32]),
            AsyncWriteConfig.defaults().toBuilder().maxAttempts(1).build(),
            time.clock(),
            new SplittableRandom(5),
            meters);
  }

  @AfterEach
  void close() {
    writes.close();
    queue.close();
  }

  private static EdgeRequest create(int n) {
    return new EdgeRequest(
        "POST",
        "/v1/customers",
        "",
        Map.of(
            "Authorization", List.of(KEY),
            "Content-Type", List.of("application/x-www-form-urlencoded"),
            "Prefer", List.of("respond-async")),
        ("name=n" + n).getBytes(StandardCharsets.UTF_8));
  }

  /** One worker round, 200 ms of fake time, then waits until its deliveries are recorded. */
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

  @Test
  void writesTheBudgetRefusesAreHeldWithoutSpendingAttemptsAndAppliedOnceEach() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      EdgeResponse accepted = writes.offer(create(i)).get();
      assertThat(accepted.status()).as(accepted.bodyText()).isEqualTo(202);
      ids.add(accepted.header("stripe-edge-write"));
    }

    // The first round offers all six: the bucket's one token admits one, the budget refuses the
    // other five (no token now, no wait allowed) and each is held, its attempt not spent.
    List<WriteStatus> first = round(ids);
    assertThat(first).filteredOn(s -> s.state() == WriteState.SUCCEEDED).hasSize(1);
    assertThat(first)
        .filteredOn(s -> s.state() == WriteState.QUEUED)
        .hasSize(5)
        .allSatisfy(
            s -> {
              assertThat(s.attempts()).isZero();
              assertThat(s.reason()).isEqualTo("held: budget");
            });
    assertThat(applied).hasSize(1);

    // Rounds every 0.6 s: the held writes come back after their Retry-After (1 s, plus jitter)
    // and go as the endpoint's rate allows.
    List<WriteStatus> last = first;
    for (int i = 0; i < 30 && !last.stream().allMatch(s -> s.state().finished()); i++) {
      time.advance(Duration.ofMillis(400));
      last = round(ids);
      assertThat(last).noneMatch(s -> s.state() == WriteState.DEAD);
    }

    assertThat(last)
        .allSatisfy(
            s -> {
              assertThat(s.state()).isEqualTo(WriteState.SUCCEEDED);
              assertThat(s.attempts()).isEqualTo(1);
            });
    // Each write reached Stripe once, under the key fixed at acceptance.
    assertThat(applied)
        .containsExactlyInAnyOrderElementsOf(
            last.stream().map(WriteStatus::idempotencyKey).toList());
  }
}
