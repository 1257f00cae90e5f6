package dev.stripeedge.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import dev.stripeedge.testkit.FakeTime;
import dev.stripeedge.testkit.Waits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What the runtime opens, in which order, and that it closes all of it, also after a failure. */
class EdgeRuntimeIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  @TempDir Path dir;

  /** SQLite tier, ledger (a webhook secret needs one), reconciliation and drift audit on. */
  private EdgeSettings everything() {
    return EdgeSettings.defaults()
        .with(
            Map.of(
                "upstream", sim.baseUrl(),
                "store.path", dir.resolve("edge.db").toString(),
                "webhooks.secrets", List.of("whsec_runtime_test"),
                "reconcile.apiKey", "sk_test_runtime_reconcile"));
  }

  private static List<String> liveThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith(prefix))
        .toList();
  }

  @Test
  void opensInDependencyOrderAndClosesLastOpenedFirst() {
    try (EdgeRuntime runtime = EdgeRuntime.start(everything(), new SimpleMeterRegistry())) {
      // Close order: the background jobs, then the ledger they write to, then the tier the
      // ledger's events invalidate.
      assertThat(runtime.openedLastFirst())
          .containsSubsequence(
              "edge-drift-audit",
              "edge-reconciler",
              "edge-event-journal",
              "event store",
              "tier sqlite (wrapped)",
              "tier sqlite");
      assertThat(runtime.ledger()).isNotNull();
      assertThat(runtime.eventProcessor()).isNotNull();
      assertThat(runtime.driftAudit()).isNotNull();
    }
    assertThat(liveThreads("edge-event-journal")).isEmpty();
    assertThat(liveThreads("edge-reconciler")).isEmpty();
    assertThat(liveThreads("sqlite-")).isEmpty();
  }

  @Test
  void aStartThatFailsHalfWayClosesWhatItHadOpened() {
    EdgeRuntime.Hooks failingTier =
        new EdgeRuntime.Hooks(
            tier -> {
              throw new IllegalStateException("the tier cannot be wrapped");
            },
            Duration.ofSeconds(5));

    assertThatThrownBy(
            () -> EdgeRuntime.start(everything(), new SimpleMeterRegistry(), failingTier))
        .hasMessageContaining("cannot be wrapped");
    // The SQLite tier it had opened is closed (its threads gone), and the file opens again.
    assertThat(liveThreads("sqlite-")).isEmpty();
    try (EdgeRuntime again = EdgeRuntime.start(everything(), new SimpleMeterRegistry())) {
      assertThat(again.pipeline()).isNotNull();
    }
  }

  @Test
  void aStoreBackendMissingFromTheClassPathIsAnErrorNamingTheModule() {
    assertThatThrownBy(
            () ->
                EdgeRuntime.start(
                    everything().with("store.backend", "etcd"), new SimpleMeterRegistry()))
        .hasMessageContaining("store.backend is etcd")
        .hasMessageContaining("no such event store is on the class path");
    assertThat(liveThreads("sqlite-")).isEmpty();
  }

  @Test
  void backgroundJobsRunOnTheInjectedTime() throws Exception {
    FakeTime time = new FakeTime();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (EdgeRuntime runtime =
        EdgeRuntime.start(
            everything().with("reconcile.period", Duration.ofMinutes(1)),
            meters,
            new EdgeRuntime.Time(time.clock(), time, time),
            EdgeRuntime.Hooks.NONE)) {
      // The first pass at once (it pins the cursor), the next when a period has passed on the
      // injected time — not on the wall clock, which a slow machine would make a flaky test.
      Waits.until("the first reconciliation pass", () -> passes(meters) == 1);
      time.advance(Duration.ofSeconds(59));
      assertThat(passes(meters)).isEqualTo(1);
      time.advance(Duration.ofSeconds(1));
      Waits.until("the second pass, one period later", () -> passes(meters) == 2);
      assertThat(runtime.time().clock().instant()).isEqualTo(time.instant());
    }
  }

  private static double passes(SimpleMeterRegistry meters) {
    return meters.find("stripe.edge.reconcile").counters().stream()
        .mapToDouble(counter -> counter.count())
        .sum();
  }

  @Test
  void closingTwiceIsHarmless() {
    EdgeRuntime runtime = EdgeRuntime.start(everything(), new SimpleMeterRegistry());
    runtime.close();
    runtime.close();
    assertThat(runtime.openedLastFirst()).isEmpty();
  }

  @Test
  void withoutAReconciliationKeyTheManualPassSaysWhatIsMissing() {
    try (EdgeRuntime runtime =
        EdgeRuntime.start(
            EdgeSettings.defaults()
                .with(
                    Map.of(
                        "upstream",
                        sim.baseUrl(),
                        "store.path",
                        dir.resolve("plain.db").toString())),
            new SimpleMeterRegistry())) {
      assertThatThrownBy(runtime::reconcileNow).hasMessageContaining("reconcile.apiKey");
    }
  }
}
