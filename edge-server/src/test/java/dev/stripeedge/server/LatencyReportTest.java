package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LatencyReportTest {

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private void answer(String route, String cache, Duration total, Map<String, Duration> stages) {
    Timer.builder("stripe.edge.latency")
        .tag("route", route)
        .tag("cache", cache)
        .serviceLevelObjectives(
            Duration.ofMillis(1),
            Duration.ofMillis(10),
            Duration.ofMillis(100),
            Duration.ofSeconds(1))
        .register(meters)
        .record(total);
    stages.forEach(
        (stage, spent) ->
            Timer.builder("stripe.edge.stage")
                .tag("route", route)
                .tag("stage", stage)
                .register(meters)
                .record(spent));
  }

  @Test
  @SuppressWarnings("unchecked")
  void sharesOfEachStageAndP99AgainstTheBudget() {
    for (int i = 0; i < 99; i++) {
      answer(
          "/v1/customers/{id}", "hit", Duration.ofMillis(1), Map.of("cache", Duration.ofMillis(1)));
    }
    // One miss: 300 ms, of which 200 ms upstream and 50 ms waiting for budget.
    answer(
        "/v1/customers/{id}",
        "miss",
        Duration.ofMillis(300),
        Map.of(
            "cache",
            Duration.ZERO,
            "queue",
            Duration.ofMillis(50),
            "upstream",
            Duration.ofMillis(200)));

    Map<String, Object> report = LatencyReport.of(meters, Duration.ofMillis(250));

    assertThat(report).containsEntry("object", "latency_report").containsEntry("budget_ms", 250L);
    Map<String, Object> route = ((List<Map<String, Object>>) report.get("routes")).get(0);
    assertThat(route)
        .containsEntry("route", "/v1/customers/{id}")
        .containsEntry("count", 100L)
        .containsEntry("p50_ms", 1.0)
        .containsEntry("within_budget", true);
    // 399 ms in all: cache 99, queue 50, upstream 200, the rest 50.
    assertThat((Map<String, Double>) route.get("stages"))
        .containsEntry("cache", 0.248)
        .containsEntry("tier", 0.0)
        .containsEntry("queue", 0.125)
        .containsEntry("upstream", 0.501)
        .containsEntry("other", 0.125);
    Map<String, Object> tight = LatencyReport.of(meters, Duration.ofMillis(5));
    assertThat(((List<Map<String, Object>>) tight.get("routes")).get(0))
        .containsEntry("within_budget", true); // p99 is the 1 ms bucket: 99 of 100 answers
    answer("/v1/customers/{id}", "miss", Duration.ofMillis(300), Map.of());
    assertThat(
            ((List<Map<String, Object>>)
                    LatencyReport.of(meters, Duration.ofMillis(5)).get("routes"))
                .get(0))
        .containsEntry("p99_ms", 1000.0)
        .containsEntry("within_budget", false);
  }

  @Test
  void aBudgetIsAWholeNumberOfMillisecondsOrSeconds() {
    assertThat(LatencyReport.parseBudget("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(LatencyReport.parseBudget(" 2S ")).isEqualTo(Duration.ofSeconds(2));
    for (String bad : List.of("", "250", "1.5s", "-3ms", "99999999ms", "1h", "ms")) {
      assertThatThrownBy(() -> LatencyReport.parseBudget(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("250ms or 2s");
    }
  }
}
