package dev.stripeedge.core.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.core.webhooks.EventLedger.Recorded;
import dev.stripeedge.core.webhooks.WebhookOutbox.Delivery;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What every {@link EventStore} that several edges share must show, two edges (two store instances
 * on one backing store) at a time; a backend's test extends this class.
 */
public abstract class SharedEventStoreContract {

  protected static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L);

  /** A new store instance on this test's backing store (the same for every call of one test). */
  protected abstract EventStore edge() throws Exception;

  /** How long a delivery read by one edge is hidden from the others. */
  protected abstract Duration claim();

  /** A lease short enough for {@link #letLapse} to outlast. */
  protected abstract Duration shortLease();

  /** Lets {@code lease} run out: waits, or moves the stores' clock past it. */
  protected abstract void letLapse(Duration lease) throws Exception;

  private static StripeEvent event(String id) {
    return new StripeEvent(id, "customer.updated", 1, "cus_1", null, Set.of("cus_1"));
  }

  @Test
  void anEventDeliveredToTwoEdgesIsNewOnOneAndSentByOne() throws Exception {
    try (EventStore a = edge();
        EventStore b = edge()) {
      byte[] payload = "{}".getBytes(StandardCharsets.UTF_8);
      List<String> app = List.of("http://127.0.0.1:1/hook");

      assertThat(a.record(event("evt_1"), NOW, payload, app)).isEqualTo(Recorded.NEW);
      assertThat(b.record(event("evt_1"), NOW, payload, app)).isEqualTo(Recorded.DUPLICATE_EVENT);

      // Read by edge a, the delivery is claimed: edge b does not send it too.
      assertThat(a.due(NOW, 10)).extracting(Delivery::eventId).containsExactly("evt_1");
      assertThat(b.due(NOW, 10)).isEmpty();
      // Unless edge a dies: the claim runs out.
      assertThat(b.due(NOW.plus(claim()).plusSeconds(1), 10)).hasSize(1);
    }
  }

  @Test
  void heartbeatsOfTwoEdgesBothWriteAndLeaveTheReconcilersLeaseAlone() throws Exception {
    try (EventStore a = edge();
        EventStore b = edge()) {
      assertThat(a.lead(EventStore.RECONCILER, Duration.ofMinutes(1))).isTrue();

      a.heartbeat(NOW);
      b.heartbeat(NOW);
      b.heartbeat(NOW.plusSeconds(5));

      assertThat(b.lead(EventStore.RECONCILER, Duration.ofMinutes(1))).isFalse();
      assertThat(a.lead(EventStore.RECONCILER, Duration.ofMinutes(1))).isTrue();
    }
  }

  @Test
  void aHeartbeatOnAClosedStoreFails() throws Exception {
    EventStore closed = edge();
    closed.close();

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> closed.heartbeat(NOW))
        .isInstanceOf(RuntimeException.class);
  }

  @Test
  void aPausedLeaderCannotMoveACursorBackAfterAnotherTookOver() throws Exception {
    Duration lease = shortLease();
    try (EventStore a = edge();
        EventStore b = edge()) {
      assertThat(a.lead(EventStore.RECONCILER, lease)).isTrue();
      assertThat(b.lead(EventStore.RECONCILER, lease)).isFalse();
      assertThat(a.lead(EventStore.RECONCILER, lease)).isTrue();
      a.advance("evt_3");
      // Another job has a lease of its own.
      assertThat(b.lead(EventStore.DRIFT_AUDIT, lease)).isTrue();

      letLapse(lease); // edge a pauses (GC, a stopped VM) past its lease
      assertThat(b.lead(EventStore.RECONCILER, Duration.ofMinutes(1))).isTrue();
      b.advance("evt_9");

      // The paused leader wakes up with its old token: no cursor moves back.
      assertThatThrownBy(() -> a.advance("evt_4")).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> a.advance("acct_1", "evt_4"))
          .isInstanceOf(IllegalStateException.class);
      assertThat(a.cursor()).isEqualTo("evt_9");
      assertThat(a.cursor("acct_1")).isNull();
      assertThat(a.lead(EventStore.RECONCILER, Duration.ofMinutes(1))).isFalse();
    }
  }
}
