package dev.stripeedge.core.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.StripeRoutes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Proactive throttling on a fake clock: the shaper under a traffic pattern, with forecasting on and
 * off. Every arrival is spread evenly over its second; the upstream answers at once.
 */
class ForecastShaperTest {

  private static final byte[] SECRET = new byte[32];
  private static final long SECOND = 1_000_000_000L;
  private static final long TICK = 1_000_000L;

  /**
   * 90/s global, 20 % reserved for critical, weights 8:3:1, no endpoint or concurrency limit;
   * critical waits at most 400 ms.
   */
  private static BudgetConfig config(boolean forecast) {
    return BudgetConfig.live()
        .withRates(90, 10_000)
        .withLanes(0.2, 8, 3, 1)
        .withConcurrency(10_000)
        .withMaxWaits(Duration.ofMillis(400), Duration.ofSeconds(5), Duration.ofSeconds(2))
        .withForecast(forecast ? ForecastConfig.defaults() : ForecastConfig.off());
  }

  /** Attempts per second of each lane in each second of a run. */
  @FunctionalInterface
  private interface Load {
    int perSecond(Lane lane, long second);
  }

  /** What happened to each lane's attempts, by the second of the run they happened in. */
  private static final class Outcome {
    final Map<Lane, List<long[]>> admitted = new EnumMap<>(Lane.class); // {second, queued nanos}
    final Map<Lane, List<Long>> refused = new EnumMap<>(Lane.class);

    Outcome() {
      for (Lane lane : Lane.values()) {
        admitted.put(lane, new ArrayList<>());
        refused.put(lane, new ArrayList<>());
      }
    }

    long admittedIn(Lane lane, long from, long to) {
      return admitted.get(lane).stream().filter(a -> a[0] >= from && a[0] < to).count();
    }

    long refusedIn(Lane lane, long from, long to) {
      return refused.get(lane).stream().filter(s -> s >= from && s < to).count();
    }

    /** The longest wait of an attempt of {@code lane} admitted in [from, to). */
    long longestWait(Lane lane, long from, long to) {
      return admitted.get(lane).stream()
          .filter(a -> a[0] >= from && a[0] < to)
          .mapToLong(a -> a[1])
          .max()
          .orElse(0);
    }
  }

  private static final class Run {
    final FakeTime time = new FakeTime();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final Budget budget;
    final long start = time.nanos();
    final Outcome outcome = new Outcome();
    int sequence;

    Run(BudgetConfig config) {
      budget = Budget.shaper(config, LaneRule.stripe(), time, time, meters, SECRET);
    }

    long second() {
      return (time.nanos() - start) / SECOND;
    }

    /** Plays {@code load} from second {@code from} to {@code to}, one tick at a time. */
    void play(Load load, long from, long to) {
      for (long s = from; s < to; s++) {
        for (long tick = 0; tick < SECOND / TICK; tick++) {
          for (Lane lane : Lane.values()) {
            int rate = load.perSecond(lane, s);
            long due = rate * (tick + 1) / (SECOND / TICK) - rate * tick / (SECOND / TICK);
            for (long i = 0; i < due; i++) {
              arrive(lane);
            }
          }
          time.advance(Duration.ofNanos(TICK));
        }
      }
    }

    private void arrive(Lane lane) {
      EdgeRequest request = ForecastShaperTest.request(lane, sequence++);
      budget
          .admit(request, StripeRoutes.classify(request.path()), Duration.ofMinutes(1))
          .thenAccept(
              admission -> {
                switch (admission) {
                  case Admission.Admitted admitted -> {
                    outcome
                        .admitted
                        .get(lane)
                        .add(new long[] {second(), admitted.permit().queuedNanos()});
                    admitted.permit().release(new EdgeResponse(200, Map.of(), new byte[0]));
                  }
                  case Admission.Refused refused -> outcome.refused.get(lane).add(second());
                }
              });
    }

    double gauge(String name, Lane lane) {
      return meters.get(name).tag("lane", lane.tag()).gauge().value();
    }

    double reserve() {
      return meters.get("stripe.edge.budget.reserve").gauge().value();
    }
  }

  private static EdgeRequest request(Lane lane, int i) {
    String urgency =
        switch (lane) {
          case CRITICAL -> "u=0";
          case NORMAL -> "u=3";
          case BACKGROUND -> "u=7";
        };
    // Critical and normal on one endpoint each, background over four (as in the overload bench),
    // so an endpoint limit holds back normal alone.
    String path =
        switch (lane) {
          case CRITICAL -> "/v1/payment_intents/pi_" + i;
          case NORMAL -> "/v1/customers/cus_" + i;
          case BACKGROUND ->
              "/v1/" + List.of("products", "prices", "plans", "coupons").get(i % 4) + "/x_" + i;
        };
    return new EdgeRequest(
        "GET",
        path,
        "",
        Map.of("Authorization", List.of("Bearer sk_live_forecast"), "Priority", List.of(urgency)),
        new byte[0]);
  }

  /**
   * Background saturating (150/s), normal steady (55/s), critical at 5/s with 100 in the 30th
   * second of every minute.
   */
  private static int minutelyCriticalSpike(Lane lane, long second) {
    return switch (lane) {
      case CRITICAL -> second % 60 == 30 ? 100 : 5;
      case NORMAL -> 55;
      case BACKGROUND -> 150;
    };
  }

  @Test
  void reservesForAPredictedCriticalSpikeBeforeItArrives() {
    Run run = new Run(config(true));
    run.play(ForecastShaperTest::minutelyCriticalSpike, 0, 200);
    double quiet = run.reserve();

    run.play(ForecastShaperTest::minutelyCriticalSpike, 200, 208);

    // At second 208 the horizon (208, 209, 210) holds the spike: half the rate, the ceiling
    // (100 forecast × 1.25 is more than that). Before, 5/s × 1.25 is below the configured 18/s.
    assertThat(quiet).isCloseTo(18, within(1e-9));
    assertThat(run.reserve()).isCloseTo(45, within(1e-9));
  }

  @Test
  void aPredictedCriticalSpikeWaitsLessAndIsNotRefusedWhileBackgroundYields() {
    Run with = new Run(config(true));
    Run without = new Run(config(false));

    with.play(ForecastShaperTest::minutelyCriticalSpike, 0, 215);
    without.play(ForecastShaperTest::minutelyCriticalSpike, 0, 215);

    // The fourth spike, at second 210, and the seconds its queue takes to drain. Off, critical gets
    // its 18/s reserve and 8/12 of the rest, 66/s: the queue outgrows 400 ms. On, it gets 45/s
    // reserved (a larger stock too) and 8/12 of the rest, 75/s.
    Outcome on = with.outcome;
    Outcome off = without.outcome;
    assertThat(off.refusedIn(Lane.CRITICAL, 210, 213)).isPositive();
    assertThat(on.refusedIn(Lane.CRITICAL, 210, 213)).isZero();
    assertThat(on.admittedIn(Lane.CRITICAL, 210, 213)).isEqualTo(100 + 5 + 5);
    assertThat(on.longestWait(Lane.CRITICAL, 210, 213))
        .isLessThan(off.longestWait(Lane.CRITICAL, 210, 213));
    assertThat(on.admittedIn(Lane.BACKGROUND, 210, 211))
        .isLessThan(off.admittedIn(Lane.BACKGROUND, 210, 211))
        .isPositive();
    assertThat(on.admittedIn(Lane.NORMAL, 210, 211)).isPositive();
  }

  @Test
  void forecastingCostsNoThroughputInSteadyOverload() {
    Run with = new Run(config(true));
    Run without = new Run(config(false));
    Load steady = (lane, second) -> lane == Lane.CRITICAL ? 5 : lane == Lane.NORMAL ? 55 : 150;

    with.play(steady, 0, 130);
    without.play(steady, 0, 130);

    long on = 0;
    long off = 0;
    for (Lane lane : Lane.values()) {
      on += with.outcome.admittedIn(lane, 70, 130);
      off += without.outcome.admittedIn(lane, 70, 130);
    }
    // Off, critical's unused reserve is lost: 5 + 72 per second. On, it is lent: all 90.
    assertThat(off).isBetween(76L * 60, 78L * 60);
    assertThat(on).isBetween(89L * 60, 91L * 60);
    // Normal, 55/s, is served in full.
    assertThat(with.outcome.refusedIn(Lane.NORMAL, 70, 130)).isZero();
    assertThat(with.outcome.admittedIn(Lane.NORMAL, 70, 130)).isBetween(54L * 60, 56L * 60);
  }

  @Test
  void backgroundStillTakesWhatNormalCannotUse() {
    Run run = new Run(config(true).withRates(90, 24));
    // Normal is forecast at 60/s, so background's allowance is down to its share (6/s); but
    // normal's one endpoint lets only 24/s through, and background gets the rest of the rate.
    Load load = (lane, second) -> lane == Lane.NORMAL ? 60 : lane == Lane.BACKGROUND ? 150 : 0;

    run.play(load, 0, 40);

    assertThat(run.outcome.admittedIn(Lane.NORMAL, 20, 40)).isBetween(24L * 20 - 1, 24L * 20 + 1);
    assertThat(run.outcome.admittedIn(Lane.BACKGROUND, 20, 40)).isGreaterThan(60L * 20);
  }

  @Test
  void theUnusedReserveIsLentButCriticalStillFindsItFull() {
    Run run = new Run(config(true));
    Load backgroundOnly = (lane, second) -> lane == Lane.BACKGROUND ? 200 : 0;
    run.play(backgroundOnly, 0, 20);
    long background = run.outcome.admittedIn(Lane.BACKGROUND, 10, 20);

    // Critical's reserved bucket kept its burst (0.25 s of 18/s) for critical.
    run.play(
        (lane, second) -> lane == Lane.CRITICAL ? 4 : lane == Lane.BACKGROUND ? 200 : 0, 20, 21);

    assertThat(background).isBetween(899L, 901L);
    assertThat(run.outcome.longestWait(Lane.CRITICAL, 20, 21)).isZero();
  }

  @Test
  void noLaneStarvesWhenEveryLaneIsFlooded() {
    Run run =
        new Run(
            config(true)
                .withMaxWaits(Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1)));

    run.play((lane, second) -> 200, 0, 30);

    // The reserve is at its ceiling, 45/s; the other 45/s are shared 8:3:1 whatever the forecast.
    assertThat(run.reserve()).isCloseTo(45, within(1e-9));
    long normal = run.outcome.admittedIn(Lane.NORMAL, 10, 30);
    long background = run.outcome.admittedIn(Lane.BACKGROUND, 10, 30);
    assertThat(normal).isGreaterThanOrEqualTo((long) (45.0 * 3 / 12 * 20) - 1);
    assertThat(background).isGreaterThanOrEqualTo((long) (45.0 * 1 / 12 * 20) - 1);
  }

  @Test
  void exportsForecastAgainstArrivalsPerLane() {
    Run run = new Run(config(true));
    Load steady = (lane, second) -> lane == Lane.NORMAL ? 20 : lane == Lane.CRITICAL ? 4 : 0;

    run.play(steady, 0, 120);

    assertThat(run.gauge("stripe.edge.budget.arrivals", Lane.NORMAL)).isEqualTo(20);
    assertThat(run.gauge("stripe.edge.budget.forecast", Lane.NORMAL)).isCloseTo(20, within(1.0));
    assertThat(run.gauge("stripe.edge.budget.arrivals", Lane.CRITICAL)).isEqualTo(4);
    assertThat(run.gauge("stripe.edge.budget.forecast", Lane.CRITICAL)).isCloseTo(4, within(1.0));
    assertThat(run.gauge("stripe.edge.budget.arrivals", Lane.BACKGROUND)).isZero();

    // An idle minute: the gauges read the clock, not only the last arrival.
    run.time.advance(Duration.ofSeconds(60));
    assertThat(run.gauge("stripe.edge.budget.arrivals", Lane.NORMAL)).isZero();
    assertThat(run.gauge("stripe.edge.budget.forecast", Lane.NORMAL)).isLessThan(2);
  }

  @Test
  void withForecastingOffThereAreNoForecastMeters() {
    Run run = new Run(config(false));
    run.play((lane, second) -> 10, 0, 2);

    assertThat(run.meters.find("stripe.edge.budget.forecast").gauges()).isEmpty();
    assertThat(run.meters.find("stripe.edge.budget.reserve").gauges()).isEmpty();
  }

  @Test
  void countsEveryArrivalWhileThreadsRaceAndTheGaugesAreRead() throws Exception {
    AtomicLong clock = new AtomicLong(10 * SECOND);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    // Rates no test reaches, so every attempt is admitted at once and no timer is due.
    Budget budget =
        Budget.shaper(
            config(true).withRates(1e9, 1e9).withBurst(1),
            LaneRule.stripe(),
            clock::get,
            delay -> new CompletableFuture<>(),
            meters,
            SECRET);
    int threads = 4;
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    try {
      Future<?> reader =
          pool.submit(
              () -> {
                while (running.get()) {
                  meters.get("stripe.edge.budget.arrivals").tag("lane", "normal").gauge().value();
                  meters.get("stripe.edge.budget.forecast").tag("lane", "critical").gauge().value();
                }
              });
      for (int round = 1; round <= 5; round++) {
        int each = 500 * round;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int offset = t * each;
          writers.add(
              pool.submit(
                  () -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                      EdgeRequest request = request(Lane.NORMAL, offset + i);
                      Admission admission =
                          budget
                              .admit(request, StripeRoutes.classify(request.path()), Duration.ZERO)
                              .join();
                      ((Admission.Admitted) admission)
                          .permit()
                          .release(new EdgeResponse(200, Map.of(), new byte[0]));
                    }
                    return null;
                  }));
        }
        start.countDown();
        for (Future<?> writer : writers) {
          writer.get(1, TimeUnit.MINUTES);
        }
        clock.addAndGet(SECOND);

        assertThat(meters.get("stripe.edge.budget.arrivals").tag("lane", "normal").gauge().value())
            .isEqualTo(threads * each);
      }
      running.set(false);
      reader.get(1, TimeUnit.MINUTES);
    } finally {
      pool.shutdownNow();
    }
  }
}
