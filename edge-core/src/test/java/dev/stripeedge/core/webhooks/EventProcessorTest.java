package dev.stripeedge.core.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.ObjectChange;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventProcessorTest {

  private final List<String> invalidated = new ArrayList<>();
  private final List<ObjectChange> refreshed = new ArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final EventProcessor processor =
      EventProcessor.of(EventLedger.inMemory(), new RecordingPipeline(), Clock.systemUTC(), meters);

  private final class RecordingPipeline implements EdgePipeline {
    @Override
    public CompletableFuture<EdgeResponse> handle(EdgeRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void invalidate(String objectId) {
      invalidated.add(objectId);
    }

    @Override
    public void refresh(ObjectChange change) {
      refreshed.add(change);
    }

    @Override
    public long cachedBytes() {
      return 0;
    }
  }

  private static StripeEvent event(String id, long created) {
    return new StripeEvent(id, "invoice.paid", created, "in_1", null, Set.of("in_1", "pi_1"));
  }

  @Test
  void theLagFromStripeToEveryTierIsTimedBySourceOncePerEvent() {
    EventProcessor at1000 =
        EventProcessor.of(
            EventLedger.inMemory(),
            new RecordingPipeline(),
            Clock.fixed(Instant.ofEpochSecond(1_000), ZoneOffset.UTC),
            meters);

    at1000.process(event("evt_hook", 990), "webhook");
    at1000.process(event("evt_hook", 990), "webhook"); // redelivered: applied once, timed once
    at1000.process(event("evt_missed", 700), "reconcile");
    at1000.process(event("evt_future", 1_005), "webhook"); // Stripe's clock ahead: 0, not negative

    Timer webhook = meters.get("stripe.edge.events.lag").tag("source", "webhook").timer();
    Timer reconcile = meters.get("stripe.edge.events.lag").tag("source", "reconcile").timer();
    assertThat(webhook.count()).isEqualTo(2);
    assertThat(webhook.totalTime(TimeUnit.SECONDS)).isEqualTo(10.0);
    assertThat(reconcile.count()).isEqualTo(1);
    assertThat(reconcile.max(TimeUnit.SECONDS)).isEqualTo(300.0);
  }

  @Test
  void aNewEventInvalidatesItsObjectAndEveryObjectInsideIt() {
    assertThat(processor.process(event("evt_1", 5), "webhook")).isEqualTo(EventLedger.Recorded.NEW);

    assertThat(invalidated).containsExactlyInAnyOrder("in_1", "pi_1");
    assertThat(meters.get("stripe.edge.events").tag("outcome", "new").counter().count())
        .isEqualTo(1);
  }

  @Test
  void anEventWithItsObjectRefreshesThatObjectAndInvalidatesTheOnesInsideIt() {
    byte[] payload =
        """
        {"id":"evt_9","object":"event","type":"invoice.paid","created":7,\
        "api_version":"2026-07-29.dahlia","data":{"object":{"id":"in_1","object":"invoice",\
        "payment_intent":{"id":"pi_1","object":"payment_intent"}}}}"""
            .getBytes(StandardCharsets.UTF_8);

    processor.process(StripeEvent.parse(payload), payload, "webhook");

    assertThat(refreshed).hasSize(1);
    ObjectChange change = refreshed.get(0);
    assertThat(change.objectId()).isEqualTo("in_1");
    assertThat(change.changedAtSeconds()).isEqualTo(7);
    assertThat(change.apiVersion()).isEqualTo("2026-07-29.dahlia");
    assertThat(new String(change.objectJson(), StandardCharsets.UTF_8))
        .startsWith("{\"id\":\"in_1\"")
        .endsWith("\"payment_intent\"}}");
    assertThat(invalidated).containsExactly("pi_1");
  }

  @Test
  void aDeletionOrAnEventWithoutAnApiVersionOnlyInvalidates() {
    byte[] deleted =
        """
        {"id":"evt_d","object":"event","type":"customer.deleted","created":7,\
        "api_version":"2026-07-29.dahlia","data":{"object":{"id":"cus_1","object":"customer"}}}"""
            .getBytes(StandardCharsets.UTF_8);
    byte[] unversioned =
        """
        {"id":"evt_u","object":"event","type":"customer.updated","created":8,\
        "data":{"object":{"id":"cus_2","object":"customer"}}}"""
            .getBytes(StandardCharsets.UTF_8);

    processor.process(StripeEvent.parse(deleted), deleted, "webhook");
    processor.process(StripeEvent.parse(unversioned), unversioned, "webhook");

    assertThat(refreshed).isEmpty();
    // The deletion also drops what refers to the customer (SideEffectRule.ofEvent).
    assertThat(invalidated).containsExactly("cus_1", "ref:cus_1", "cus_2");
  }

  @Test
  void aRedeliveryIsNotAppliedTwice() {
    processor.process(event("evt_1", 5), "webhook");
    invalidated.clear();

    assertThat(processor.process(event("evt_1", 5), "reconcile"))
        .isEqualTo(EventLedger.Recorded.DUPLICATE_EVENT);
    assertThat(invalidated).isEmpty();
  }

  @Test
  void aDoubleEventStillInvalidatesBecauseThatIsHarmless() {
    processor.process(event("evt_1", 5), "webhook");
    invalidated.clear();

    assertThat(processor.process(event("evt_2", 5), "webhook"))
        .isEqualTo(EventLedger.Recorded.DUPLICATE_CHANGE);
    assertThat(invalidated).contains("in_1");
  }

  @Test
  void anOlderEventArrivingLateOnlyInvalidatesItNeverInstallsItsCopy() {
    processor.process(event("evt_new", 9), "webhook");
    invalidated.clear();

    processor.process(event("evt_old", 3), "webhook");

    // The next read refetches the current object: the late event's older copy is never served.
    assertThat(invalidated).containsExactlyInAnyOrder("in_1", "pi_1");
  }
}
