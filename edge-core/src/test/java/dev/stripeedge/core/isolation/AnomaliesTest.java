package dev.stripeedge.core.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Flags raised and cleared on fake time. */
class AnomaliesTest {

  private static final IsolationKey INVOICES = new IsolationKey("acct", "", "GET /v1/invoices");
  private static final IsolationKey CUSTOMERS = new IsolationKey("acct", "", "GET /v1/customers");

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Anomalies anomalies =
      new Anomalies(
          IsolationConfig.Detection.defaults(),
          now::get,
          Clock.fixed(Instant.parse("2026-12-07T15:00:00Z"), ZoneOffset.UTC),
          meters);

  /** {@code perSecond} answers of {@code key} a second for {@code seconds}, evenly. */
  private void traffic(
      IsolationKey key,
      int seconds,
      int perSecond,
      Duration latency,
      DecayingWindow.Answer answer) {
    long step = Duration.ofSeconds(1).toNanos() / perSecond;
    for (int i = 0; i < seconds * perSecond; i++) {
      now.addAndGet(step);
      anomalies.record(key, latency.toNanos(), answer);
    }
  }

  @Test
  void aRouteSlowerThanItsBaselineIsFlaggedWithWhySinceAndFigures() {
    traffic(INVOICES, 60, 20, Duration.ofMillis(50), DecayingWindow.Answer.OK);
    assertThat(anomalies.current()).isEmpty();

    traffic(INVOICES, 2, 20, Duration.ofSeconds(5), DecayingWindow.Answer.OK);

    assertThat(anomalies.current())
        .singleElement()
        .satisfies(
            flag -> {
              assertThat(flag.key()).isEqualTo(INVOICES);
              assertThat(flag.reason()).isEqualTo(AnomalyRule.Reason.SLOWER_THAN_BASELINE);
              assertThat(flag.why()).contains("baseline of");
              assertThat(flag.since()).isEqualTo(Instant.parse("2026-12-07T15:00:00Z"));
              assertThat(flag.until()).isNull();
              assertThat(flag.figures().p95Millis()).isGreaterThan(3000);
              assertThat(flag.figures().baselineP95Millis()).isLessThan(100);
            });
    assertThat(anomalies.isFlagged(INVOICES)).isTrue();
    assertThat(
            meters
                .counter(
                    "edge.isolation.flags",
                    "route",
                    "GET /v1/invoices",
                    "reason",
                    "slower-than-baseline")
                .count())
        .isEqualTo(1);
  }

  @Test
  void aFlagIsClearedOnceTheKeyIsHealthyForClearAfterAndKeptAmongRecentFlags() {
    traffic(INVOICES, 60, 20, Duration.ofMillis(50), DecayingWindow.Answer.OK);
    traffic(INVOICES, 3, 20, Duration.ofSeconds(5), DecayingWindow.Answer.OK);
    assertThat(anomalies.isFlagged(INVOICES)).isTrue();

    // The frozen baseline still says 50 ms: fast answers again clear the flag within seconds.
    traffic(INVOICES, 10, 20, Duration.ofMillis(50), DecayingWindow.Answer.OK);

    assertThat(anomalies.current()).isEmpty();
    assertThat(anomalies.recent())
        .singleElement()
        .satisfies(flag -> assertThat(flag.until()).isNotNull());
  }

  @Test
  void detectionTakesUnderFiveSecondsAndRecoveryUnderTen() {
    traffic(INVOICES, 60, 20, Duration.ofMillis(50), DecayingWindow.Answer.OK);
    int seconds = 0;
    while (!anomalies.isFlagged(INVOICES)) {
      traffic(INVOICES, 1, 20, Duration.ofSeconds(5), DecayingWindow.Answer.OK);
      seconds++;
    }
    assertThat(seconds).isLessThanOrEqualTo(5);
    traffic(INVOICES, 5, 20, Duration.ofSeconds(5), DecayingWindow.Answer.OK);

    seconds = 0;
    while (anomalies.isFlagged(INVOICES)) {
      traffic(INVOICES, 1, 20, Duration.ofMillis(50), DecayingWindow.Answer.OK);
      seconds++;
    }
    assertThat(seconds).isLessThanOrEqualTo(10);
  }

  @Test
  void oneConnectedAccountFailingIsFlaggedAloneAndItsSiblingsAreNot() {
    IsolationKey healthy = new IsolationKey("acct", "acct_ok", "POST /v1/payment_intents");
    IsolationKey failing = new IsolationKey("acct", "acct_bad", "POST /v1/payment_intents");
    for (int second = 0; second < 5; second++) {
      traffic(healthy, 1, 20, Duration.ofMillis(80), DecayingWindow.Answer.OK);
      traffic(failing, 1, 10, Duration.ofMillis(80), DecayingWindow.Answer.OK);
      traffic(failing, 1, 10, Duration.ofMillis(80), DecayingWindow.Answer.ERROR);
    }

    assertThat(anomalies.current())
        .singleElement()
        .satisfies(
            flag -> {
              assertThat(flag.key()).isEqualTo(failing);
              assertThat(flag.reason()).isEqualTo(AnomalyRule.Reason.ERRORS);
            });
  }

  @Test
  void aConnectedAccountSlowerThanItsSiblingsIsFlaggedWithoutABaseline() {
    IsolationKey[] siblings = {
      new IsolationKey("acct", "acct_1", "GET /v1/invoices"),
      new IsolationKey("acct", "acct_2", "GET /v1/invoices"),
      new IsolationKey("acct", "acct_3", "GET /v1/invoices"),
    };
    IsolationKey locked = new IsolationKey("acct", "acct_locked", "GET /v1/invoices");
    // Interleaved, all new: no key has a baseline older than its anomaly.
    for (int i = 0; i < 40; i++) {
      now.addAndGet(Duration.ofMillis(25).toNanos());
      for (IsolationKey sibling : siblings) {
        anomalies.record(sibling, Duration.ofMillis(60).toNanos(), DecayingWindow.Answer.OK);
      }
      anomalies.record(locked, Duration.ofSeconds(3).toNanos(), DecayingWindow.Answer.OK);
    }
    anomalies.evaluate();

    assertThat(anomalies.current())
        .extracting(Flag::key, Flag::reason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(locked, AnomalyRule.Reason.SLOWER_THAN_SIBLINGS));
  }

  @Test
  void memoryIsBoundedByMaxKeys() {
    IsolationConfig.Detection small =
        new IsolationConfig.Detection(
            Duration.ofSeconds(2),
            Duration.ofMinutes(5),
            Duration.ofMillis(500),
            10,
            4,
            Duration.ofMillis(250),
            0.3,
            10,
            Duration.ofSeconds(3),
            16);
    Anomalies bounded = new Anomalies(small, now::get, Clock.systemUTC(), meters);
    for (int i = 0; i < 1000; i++) {
      bounded.record(
          new IsolationKey("acct", "acct_" + i, "GET /v1/customers"),
          Duration.ofMillis(10).toNanos(),
          DecayingWindow.Answer.OK);
    }

    assertThat(bounded.keys()).isLessThanOrEqualTo(16);
    assertThat(CUSTOMERS.group()).isEqualTo(CUSTOMERS);
  }
}
