package dev.stripeedge.core.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierConfig;
import dev.stripeedge.core.tier.TierEntry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The ledger as a journal, with a real pipeline and a tier: an event is marked applied only once
 * its invalidation reached the tier, and what was not is applied again.
 */
class EventJournalTest {

  private static final long FAR_FUTURE = Instant.parse("2100-01-01T00:00:00Z").toEpochMilli();

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final EventLedger ledger = EventLedger.inMemory();
  private final HeldTier tier = new HeldTier();

  /** A map as a tier whose invalidations can fail, or wait until released. */
  private static final class HeldTier implements CacheTier {
    final Map<String, TierEntry> entries = new ConcurrentHashMap<>();
    final AtomicInteger invalidationsToFail = new AtomicInteger();
    volatile CompletableFuture<@Nullable Void> gate = CompletableFuture.completedFuture(null);

    @Override
    public String name() {
      return "held";
    }

    @Override
    public CompletableFuture<@Nullable TierEntry> get(String key) {
      return CompletableFuture.completedFuture(entries.get(key));
    }

    @Override
    public CompletableFuture<Map<String, TierEntry>> getAll(Collection<String> keys) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<Boolean> put(TierEntry entry) {
      entries.put(entry.key(), entry);
      return CompletableFuture.completedFuture(true);
    }

    @Override
    public CompletableFuture<Void> invalidate(Collection<String> ids) {
      if (invalidationsToFail.getAndDecrement() > 0) {
        return CompletableFuture.failedFuture(new IllegalStateException("tier down"));
      }
      return gate.thenRun(
          () -> entries.values().removeIf(e -> e.ids().stream().anyMatch(ids::contains)));
    }

    @Override
    public void close() {}

    void holds(String objectId) {
      entries.put(
          "key-" + objectId,
          new TierEntry("key-" + objectId, new byte[] {1}, Set.of(objectId), 0, FAR_FUTURE));
    }

    boolean has(String objectId) {
      return entries.values().stream().anyMatch(e -> e.ids().contains(objectId));
    }
  }

  private EventProcessor processor() {
    EdgePipeline pipeline =
        EdgePipeline.builder(Upstream.jdk(URI.create("http://127.0.0.1:9"), Duration.ofSeconds(1)))
            .cacheKeySecret(new byte[32])
            .meterRegistry(meters)
            // Long writes: a held invalidation must not time out while the test looks at it.
            .tier(
                tier,
                new TierConfig(
                    Duration.ofMillis(50), Duration.ofSeconds(60), 5, Duration.ofSeconds(10)))
            .build();
    return EventProcessor.of(ledger, pipeline, Clock.systemUTC(), meters);
  }

  private static StripeEvent event(String id, String customer) {
    return new StripeEvent(id, "customer.updated", 100, customer, null, Set.of(customer));
  }

  private Set<String> unapplied() {
    Set<String> ids = new HashSet<>();
    ledger.unapplied(Instant.now().plusSeconds(60), 100).forEach(e -> ids.add(e.eventId()));
    return ids;
  }

  private static void eventually(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never happened: " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** Waits until the pipeline's own in-memory re-send of a failed invalidation is counted. */
  private void awaitFailedSend() {
    eventually(
        "the failed send is counted",
        () ->
            meters.find("stripe.edge.tier.invalidations").tag("outcome", "error").counter()
                != null);
  }

  @Test
  void anEventIsMarkedAppliedOnlyOnceTheTierAcknowledgedItsInvalidation() {
    EventProcessor processor = processor();
    tier.holds("cus_1");
    CompletableFuture<@Nullable Void> gate = new CompletableFuture<>();
    tier.gate = gate;

    assertThat(processor.process(event("evt_1", "cus_1"), "webhook"))
        .isEqualTo(EventLedger.Recorded.NEW);

    assertThat(unapplied()).containsExactly("evt_1");
    assertThat(tier.has("cus_1")).isTrue();

    gate.complete(null);

    eventually("the event is marked applied", () -> unapplied().isEmpty());
    assertThat(tier.has("cus_1")).isFalse();
  }

  @Test
  void anEventWhoseTierFailedStaysUnappliedUntilTheSweepAppliesItAgain() {
    EventProcessor processor = processor();
    tier.invalidationsToFail.set(1);

    processor.process(event("evt_1", "cus_1"), "webhook");
    // Wait until the pipeline's own in-memory re-send landed: the event is still not marked.
    awaitFailedSend();
    tier.holds("cus_1");

    assertThat(unapplied()).containsExactly("evt_1");
    assertThat(processor.reapplyUnapplied(Instant.now().plusSeconds(1), 100)).isEqualTo(1);

    eventually("the event is marked applied", () -> unapplied().isEmpty());
    assertThat(tier.has("cus_1")).isFalse();
    assertThat(meters.get("stripe.edge.events.reapplied").counter().count()).isEqualTo(1);
  }

  @Test
  void aDoubleEventIsJournaledSoATierThatMissedItsInvalidationGetsItAgain() {
    EventProcessor processor = processor();
    processor.process(event("evt_1", "cus_1"), "webhook");
    eventually("the first event is marked applied", () -> unapplied().isEmpty());
    // Stripe's double event: another id, same object, type and second. Its invalidation is lost
    // (the tier fails, as in a process killed right after the 2xx).
    tier.invalidationsToFail.set(1);

    assertThat(processor.process(event("evt_2", "cus_1"), "webhook"))
        .isEqualTo(EventLedger.Recorded.DUPLICATE_CHANGE);
    awaitFailedSend();
    tier.holds("cus_1");

    assertThat(unapplied()).containsExactly("evt_2");
    assertThat(processor.reapplyUnapplied(Instant.now().plusSeconds(1), 100)).isEqualTo(1);
    eventually("the double event is marked applied", () -> unapplied().isEmpty());
    assertThat(tier.has("cus_1")).isFalse();
  }

  @Test
  void aNewProcessAppliesWhatTheLastOneRecordedButNeverApplied() {
    // The previous process recorded the event, then died before any tier heard of it.
    ledger.record(event("evt_1", "cus_1"), Instant.now().minusSeconds(5));
    ledger.record(event("evt_2", "cus_2"), Instant.now().minusSeconds(5));
    ledger.markApplied(List.of("evt_2"));
    tier.holds("cus_1");
    tier.holds("cus_2");

    EventProcessor restarted = processor();
    assertThat(restarted.reapplyUnapplied(Instant.now(), 100)).isEqualTo(1);

    eventually("the event is marked applied", () -> unapplied().isEmpty());
    assertThat(tier.has("cus_1")).isFalse();
    assertThat(tier.has("cus_2")).as("an applied event is not applied again").isTrue();
  }

  @Test
  void concurrentEventsAreAllMarkedAppliedNoMarkIsLost() throws Exception {
    EventProcessor processor = processor();
    int threads = 8;
    int perThread = 200;
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> work = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        work.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    String id = thread + "_" + i;
                    processor.process(event("evt_" + id, "cus_" + id), "webhook");
                  }
                }));
      }
      for (Future<?> done : work) {
        done.get();
      }
    }

    assertThat(meters.get("stripe.edge.events").tag("outcome", "new").counter().count())
        .isEqualTo(threads * perThread);
    eventually("every event is marked applied", () -> unapplied().isEmpty());
  }

  @Test
  void aRedeliveryOfAnUnappliedEventIsNotMarkedAppliedByItsDuplicate() {
    EventProcessor processor = processor();
    tier.gate = new CompletableFuture<>();
    processor.process(event("evt_1", "cus_1"), "webhook");

    assertThat(processor.process(event("evt_1", "cus_1"), "webhook"))
        .isEqualTo(EventLedger.Recorded.DUPLICATE_EVENT);

    assertThat(unapplied()).containsExactly("evt_1");
  }
}
