package dev.stripeedge.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.StripeRoutes;
import dev.stripeedge.core.Ticker;
import dev.stripeedge.core.budget.Admission;
import dev.stripeedge.core.budget.Budget;
import dev.stripeedge.core.budget.BudgetConfig;
import dev.stripeedge.core.budget.ForecastConfig;
import dev.stripeedge.core.budget.LaneRule;
import dev.stripeedge.core.budget.SharedBudgetConfig;
import dev.stripeedge.testkit.RedisServerExtension;
import dev.stripeedge.testkit.Waits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two shapers ("edges") sharing one budget through a real Redis, on the real clock: Redis's TIME
 * refills the shared buckets, so the test counts on wall time. Its bounds only ever assume the
 * machine may be slow: admissions can never exceed what Redis can have granted over the elapsed
 * wall time (a burst plus the rate times the time), whatever the load; alone, each edge would admit
 * the whole rate. SharedShaperTest covers the same with exact timings on a fake clock.
 */
class RedisSharedShaperIT {

  // Its own server: one test kills it.
  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  private static final byte[] SECRET = new byte[32];
  private static final Duration LONG = Duration.ofMinutes(10);
  private static final double RATE = 40;
  private static final double BURST = 10; // 0.25 s of the rate

  /** Generous timeout: a loaded build machine is not an outage. */
  private static final SharedBudgetConfig SHARING =
      SharedBudgetConfig.defaults()
          .withTimeout(Duration.ofSeconds(1))
          .withHeartbeat(Duration.ofMillis(300));

  private final String apiKey = "sk_live_" + UUID.randomUUID().toString().replace("-", "");

  private static BudgetConfig config(double global, double endpoint) {
    return BudgetConfig.live()
        .withRates(global, endpoint)
        .withLanes(0, 8, 3, 1)
        .withMaxWaits(LONG, LONG, LONG)
        .withConcurrency(10_000)
        .withForecast(ForecastConfig.off());
  }

  /**
   * One edge instance: its own Redis client, shaper and meters, kept busy by a loop of requests.
   */
  private final class Edge implements AutoCloseable {
    final RedisSharedBudget store =
        RedisSharedBudget.connect(
            RedisTierConfig.standalone(redis.uri()).withCommandTimeout(Duration.ofSeconds(1)));
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final Budget budget;
    final AtomicLong admitted = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    volatile boolean running = true;

    Edge(BudgetConfig config) {
      budget =
          Budget.shaper(
              config,
              LaneRule.stripe(),
              Ticker.system(),
              Scheduler.system(),
              meters,
              SECRET,
              store,
              SHARING);
    }

    /** Keeps {@code n} attempts waiting: each admitted one is released and replaced at once. */
    void keepBusy(int n) {
      for (int i = 0; i < n; i++) {
        next(i);
      }
    }

    private void next(int i) {
      if (!running) {
        return;
      }
      EdgeRequest request =
          new EdgeRequest(
              "GET",
              "/v1/customers/cus_" + i,
              "",
              Map.of("Authorization", List.of("Bearer " + apiKey)),
              new byte[0]);
      budget
          .admit(request, StripeRoutes.classify(request.path()), LONG)
          .whenComplete(
              (admission, error) -> {
                if (error != null) {
                  failure.compareAndSet(null, error);
                } else if (admission instanceof Admission.Admitted ok) {
                  admitted.incrementAndGet();
                  ok.permit().release(new EdgeResponse(200, Map.of(), new byte[0]));
                  next(i);
                } else {
                  refused.incrementAndGet();
                }
              });
    }

    boolean shared() {
      return meters.get("stripe.edge.budget.shared").gauge().value() == 1;
    }

    double edges() {
      return meters.get("stripe.edge.budget.shared.edges").gauge().value();
    }

    double leases() {
      return meters.find("stripe.edge.budget.shared.leases").counters().stream()
          .mapToDouble(c -> c.count())
          .sum();
    }

    @Override
    public void close() {
      running = false;
      store.close();
    }
  }

  private static void await(String what, Waits.Condition condition) {
    Waits.until(what, condition);
  }

  /** The most Redis can have granted within {@code nanos}: a full bucket plus the rate. */
  private static long ceiling(double rate, long nanos) {
    return (long) Math.floor(BURST + rate * nanos / 1e9);
  }

  @Test
  void twoEdgesTogetherStayWithinTheGlobalRateAndShareItFairly() throws Exception {
    long start = System.nanoTime();
    try (Edge a = new Edge(config(RATE, 10_000));
        Edge b = new Edge(config(RATE, 10_000))) {
      a.keepBusy(50);
      b.keepBusy(50);
      // Fairness is judged once both edges spend: before that, the first edge whose cold client
      // answered (a loaded machine, a coverage agent) has the bucket to itself, as it should.
      await("both edges admitted", () -> a.admitted.get() > 0 && b.admitted.get() > 0);
      long aFrom = a.admitted.get();
      long bFrom = b.admitted.get();
      Thread.sleep(3_000);
      long total = a.admitted.get() + b.admitted.get();
      long aShare = a.admitted.get() - aFrom;
      long window = aShare + b.admitted.get() - bFrom;
      long elapsed = System.nanoTime() - start;

      // Unshared, each would admit the whole rate: about twice the ceiling. A bound no busy
      // machine can break; how the rate is split is judged on fake time (SharedShaperTest), as a
      // ratio over wall-clock seconds is a judgement of the machine.
      assertThat(total).isLessThanOrEqualTo(ceiling(RATE, elapsed));
      // Neither edge starves.
      assertThat(aShare).as("edge A's part of %d", window).isPositive().isLessThan(window);
      assertThat(a.refused.get() + b.refused.get()).isZero();
      assertThat(a.failure.get()).isNull();
      assertThat(b.failure.get()).isNull();
      assertThat(a.shared() && b.shared()).isTrue();
    }
  }

  @Test
  void twoEdgesTogetherStayWithinAnEndpointsRate() throws Exception {
    long start = System.nanoTime();
    try (Edge a = new Edge(config(10_000, RATE));
        Edge b = new Edge(config(10_000, RATE))) {
      a.keepBusy(50);
      b.keepBusy(50);
      // Fairness is judged once both edges spend: before that, the first edge whose cold client
      // answered (a loaded machine, a coverage agent) has the bucket to itself, as it should.
      await("both edges admitted", () -> a.admitted.get() > 0 && b.admitted.get() > 0);
      long aFrom = a.admitted.get();
      long bFrom = b.admitted.get();
      Thread.sleep(3_000);
      long total = a.admitted.get() + b.admitted.get();
      long aShare = a.admitted.get() - aFrom;
      long window = aShare + b.admitted.get() - bFrom;
      long elapsed = System.nanoTime() - start;

      assertThat(total).isLessThanOrEqualTo(ceiling(RATE, elapsed));
      // Neither edge starves (the split itself: SharedShaperTest, on fake time).
      assertThat(aShare).as("edge A's part of %d", window).isPositive().isLessThan(window);
    }
  }

  @Test
  void redisDownMeansAFairLocalShareEachAndRedisBackMeansSharedAgain() throws Exception {
    try (Edge a = new Edge(config(RATE, 10_000));
        Edge b = new Edge(config(RATE, 10_000))) {
      a.keepBusy(50);
      b.keepBusy(50);
      await("both edges see each other", () -> a.edges() == 2 && b.edges() == 2);

      redis.stop();
      await("both edges on their local share", () -> !a.shared() && !b.shared());
      long localStart = System.nanoTime();
      long aBefore = a.admitted.get();
      long bBefore = b.admitted.get();
      Thread.sleep(2_000);
      long aLocal = a.admitted.get() - aBefore;
      long bLocal = b.admitted.get() - bBefore;
      long localElapsed = System.nanoTime() - localStart;

      // Half the rate each, never hanging or refusing (a few admissions decided just before the
      // count was read are counted after it: the slack of 2).
      assertThat(aLocal).isBetween(1L, ceiling(RATE / 2, localElapsed) + 2);
      assertThat(bLocal).isBetween(1L, ceiling(RATE / 2, localElapsed) + 2);
      assertThat(a.edges()).isEqualTo(2);

      redis.start();
      await("both edges back on the shared budget", () -> a.shared() && b.shared());
      double leases = a.leases() + b.leases();
      long sharedStart = System.nanoTime();
      long before = a.admitted.get() + b.admitted.get();
      Thread.sleep(2_000);
      long together = a.admitted.get() + b.admitted.get() - before;
      long sharedElapsed = System.nanoTime() - sharedStart;

      assertThat(together).isBetween(1L, ceiling(RATE, sharedElapsed) + 2);
      assertThat(a.leases() + b.leases()).isGreaterThan(leases);
      assertThat(a.refused.get() + b.refused.get()).isZero();
      assertThat(a.failure.get()).isNull();
      assertThat(b.failure.get()).isNull();
    }
  }

  @Test
  void aStuckRedisCountsAsDownAfterTheTimeoutAndAsBackOnceItAnswers() throws Exception {
    try (Edge a = new Edge(config(RATE, 10_000));
        Edge b = new Edge(config(RATE, 10_000))) {
      a.keepBusy(50);
      b.keepBusy(50);
      await("both edges see each other", () -> a.edges() == 2 && b.edges() == 2);

      redis.pause();
      try {
        await("both edges on their local share", () -> !a.shared() && !b.shared());
        long aBefore = a.admitted.get();
        long bBefore = b.admitted.get();
        await(
            "both edges admitting on their own",
            () -> a.admitted.get() > aBefore && b.admitted.get() > bBefore);
      } finally {
        redis.resume();
      }

      await("both edges back on the shared budget", () -> a.shared() && b.shared());
      assertThat(a.refused.get() + b.refused.get()).isZero();
      assertThat(a.failure.get()).isNull();
      assertThat(b.failure.get()).isNull();
    }
  }
}
