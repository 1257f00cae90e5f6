package dev.stripeedge.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierEntry;
import dev.stripeedge.core.webhooks.EventLedger.Recorded;
import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.core.webhooks.StripeEvent;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import dev.stripeedge.testkit.FakeTime;
import dev.stripeedge.testkit.RedisServerExtension;
import dev.stripeedge.testkit.Waits;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Two edges sharing one Redis event store: each event applied and forwarded once, one leader. */
class RedisFleetIT {

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  @TempDir Path dir;

  private final String prefix = "fleet-" + UUID.randomUUID() + ":";

  private EdgeSettings edge(String name, Map<String, Object> more) {
    Map<String, Object> values = new HashMap<>(more);
    values.put("upstream", sim.baseUrl());
    values.put("store.path", dir.resolve(name + ".db").toString());
    values.put("store.backend", "redis");
    values.put("store.redis.uris", List.of(redis.uri()));
    values.put("store.redis.keyPrefix", prefix);
    values.put("store.redis.timeout", "5s");
    values.put("webhooks.secrets", List.of("whsec_fleet"));
    return EdgeSettings.defaults().with(values);
  }

  @Test
  void anEventDeliveredToBothEdgesIsAppliedAndForwardedOnce() throws Exception {
    AtomicInteger forwards = new AtomicInteger();
    HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext(
        "/hook",
        exchange -> {
          forwards.incrementAndGet();
          exchange.getRequestBody().readAllBytes();
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    app.start();
    try {
      Map<String, Object> forwarding =
          Map.of(
              "webhooks.forwarding.targets",
              Map.of("http://127.0.0.1:" + app.getAddress().getPort() + "/hook", "whsec_app"));
      try (EdgeRuntime a = EdgeRuntime.start(edge("a", forwarding), new SimpleMeterRegistry());
          EdgeRuntime b = EdgeRuntime.start(edge("b", forwarding), new SimpleMeterRegistry())) {
        StripeEvent event =
            new StripeEvent("evt_fleet_1", "customer.updated", 1, "cus_1", null, Set.of("cus_1"));
        byte[] payload =
            "{\"id\":\"evt_fleet_1\",\"data\":{\"object\":{\"id\":\"cus_1\"}}}"
                .getBytes(StandardCharsets.UTF_8);

        assertThat(a.eventProcessor().process(event, payload, "webhook")).isEqualTo(Recorded.NEW);
        assertThat(b.eventProcessor().process(event, payload, "webhook"))
            .isEqualTo(Recorded.DUPLICATE_EVENT);
        assertThat(a.eventProcessor().process(event, payload, "webhook"))
            .isEqualTo(Recorded.DUPLICATE_EVENT);

        await(() -> forwards.get() >= 1, Duration.ofSeconds(10));
        Thread.sleep(1_000); // both forwarders poll every 200 ms: a second send would show
        assertThat(forwards.get()).isEqualTo(1);
      }
    } finally {
      app.stop(0);
    }
  }

  @Test
  void oneEdgeReconcilesAndAnotherTakesOverWhenItDies() throws Exception {
    Map<String, Object> reconcile =
        Map.of("reconcile.apiKey", "sk_test_fleet_reconcile", "reconcile.period", "1s");
    SimpleMeterRegistry aMetrics = new SimpleMeterRegistry();
    SimpleMeterRegistry bMetrics = new SimpleMeterRegistry();
    EdgeRuntime a = EdgeRuntime.start(edge("a", reconcile), aMetrics);
    try (EdgeRuntime b = EdgeRuntime.start(edge("b", reconcile), bMetrics)) {
      await(() -> a.leading(EventStore.RECONCILER), Duration.ofSeconds(5));
      Thread.sleep(1_500); // b's passes find the lease held
      assertThat(b.leading(EventStore.RECONCILER)).isFalse();
      // What each edge's /metrics tells a fleet's dashboard (and bench fleet).
      assertThat(leader(aMetrics)).isEqualTo(1);
      assertThat(leader(bMetrics)).isEqualTo(0);

      // a dies without releasing its lease: b takes over once it lapses (2 periods) at its next
      // pass (one more period at most).
      long died = System.nanoTime();
      a.close();
      await(() -> b.leading(EventStore.RECONCILER), Duration.ofSeconds(6));
      assertThat(Duration.ofNanos(System.nanoTime() - died)).isLessThan(Duration.ofSeconds(4));
      assertThat(b.ledger().cursor()).isNotNull();
      assertThat(leader(bMetrics)).isEqualTo(1);
      assertThat(
              bMetrics
                  .get("stripe.edge.fleet.lease.changes")
                  .tags("job", EventStore.RECONCILER, "change", "took")
                  .counter()
                  .count())
          .isEqualTo(1);
    } finally {
      a.close();
    }
  }

  @Test
  void onlyTheJournalLeaderAppliesUnappliedEventsAgain() throws Exception {
    // A tier that refuses every invalidation keeps an event unapplied in the shared journal (as
    // DynamoDB Local timing out did in bench fleet); the sweep runs on fake time, the lease on
    // Redis's own clock.
    FakeTime time = new FakeTime();
    EdgeRuntime.Time fake = new EdgeRuntime.Time(time.clock(), time, time);
    Duration sweep = Duration.ofSeconds(1);
    AtomicInteger aDrops = new AtomicInteger();
    AtomicInteger bDrops = new AtomicInteger();
    SimpleMeterRegistry aMetrics = new SimpleMeterRegistry();
    SimpleMeterRegistry bMetrics = new SimpleMeterRegistry();
    EdgeRuntime a =
        EdgeRuntime.start(
            edge("a", Map.of()),
            aMetrics,
            fake,
            new EdgeRuntime.Hooks(tier -> new RefusedInvalidations(tier, aDrops), sweep));
    EdgeRuntime b =
        EdgeRuntime.start(
            edge("b", Map.of()),
            bMetrics,
            fake,
            new EdgeRuntime.Hooks(tier -> new RefusedInvalidations(tier, bDrops), sweep));
    try {
      StripeEvent event =
          new StripeEvent("evt_journal_1", "customer.updated", 1, "cus_j", null, Set.of("cus_j"));
      assertThat(a.ledger().record(event, time.instant().minusSeconds(30))).isEqualTo(Recorded.NEW);

      // Three sweeps on each edge: the first to ask takes the lease and keeps it.
      for (int sweeps = 1; sweeps <= 3; sweeps++) {
        time.advance(sweep);
        int done = sweeps;
        Waits.until(
            "sweep " + done + " on the leader, and the follower's turn",
            () ->
                reapplied(aMetrics) + reapplied(bMetrics) >= done
                    && journalLeader(aMetrics) != null
                    && journalLeader(bMetrics) != null);
      }
      Thread.sleep(500); // the follower's last turn, on its own thread, would show by now
      boolean aLeads = a.leading(EventStore.JOURNAL);
      assertThat(b.leading(EventStore.JOURNAL)).isNotEqualTo(aLeads);
      SimpleMeterRegistry leader = aLeads ? aMetrics : bMetrics;
      SimpleMeterRegistry follower = aLeads ? bMetrics : aMetrics;
      assertThat(reapplied(leader)).isEqualTo(3);
      assertThat(reapplied(follower)).isZero();
      // The follower never touched a tier for it; the leader dropped the object at every sweep.
      assertThat((aLeads ? bDrops : aDrops).get()).isZero();
      assertThat((aLeads ? aDrops : bDrops).get()).isPositive();
      assertThat(journalLeader(follower)).isEqualTo(0);

      // The leader dies without releasing the lease: once it lapses (two sweeps, on Redis's
      // clock) the follower's next sweep takes it and applies the event again.
      (aLeads ? a : b).close();
      Waits.until(
          "the follower takes the journal over",
          () -> {
            time.advance(sweep);
            Thread.sleep(200);
            return reapplied(follower) > 0;
          });
      assertThat((aLeads ? b : a).leading(EventStore.JOURNAL)).isTrue();
    } finally {
      a.close();
      b.close();
    }
  }

  private static double reapplied(SimpleMeterRegistry metrics) {
    Counter counter = metrics.find("stripe.edge.events.reapplied").counter();
    return counter == null ? 0 : counter.count();
  }

  private static @Nullable Double journalLeader(SimpleMeterRegistry metrics) {
    Gauge gauge = metrics.find("stripe.edge.fleet.leader").tag("job", EventStore.JOURNAL).gauge();
    return gauge == null ? null : gauge.value();
  }

  /** The tier, except that every invalidation fails (and is counted). */
  private record RefusedInvalidations(CacheTier tier, AtomicInteger drops) implements CacheTier {

    @Override
    public String name() {
      return tier.name();
    }

    @Override
    public CompletableFuture<@Nullable TierEntry> get(String key) {
      return tier.get(key);
    }

    @Override
    public CompletableFuture<Map<String, TierEntry>> getAll(Collection<String> keys) {
      return tier.getAll(keys);
    }

    @Override
    public CompletableFuture<Boolean> put(TierEntry entry) {
      return tier.put(entry);
    }

    @Override
    public CompletableFuture<Void> invalidate(Collection<String> ids) {
      drops.incrementAndGet();
      return CompletableFuture.failedFuture(new IllegalStateException("tier timed out"));
    }

    @Override
    public void close() {
      tier.close();
    }
  }

  private static double leader(SimpleMeterRegistry metrics) {
    return metrics
        .get("stripe.edge.fleet.leader")
        .tag("job", EventStore.RECONCILER)
        .gauge()
        .value();
  }

  private static void await(BooleanSupplier condition, Duration atMost) throws Exception {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + atMost);
      }
      Thread.sleep(50);
    }
  }
}
