package dev.stripeedge.core.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.webhooks.EventLedger.Recorded;
import dev.stripeedge.core.webhooks.WebhookOutbox.Delivery;
import dev.stripeedge.core.webhooks.WebhookOutbox.State;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link WebhookOutbox} of an {@link EventStore} must show; a backend's test
 * extends this class.
 */
public abstract class WebhookOutboxContract {

  protected static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L);
  protected static final List<String> APP = List.of("http://127.0.0.1:1/hook");

  protected EventStore store;

  /** A fresh, empty store. */
  protected abstract EventStore create() throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = create();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  protected static StripeEvent event(String id, String objectId, long created) {
    return new StripeEvent(id, "customer.updated", created, objectId, null, Set.of(objectId));
  }

  protected static byte[] json(String id) {
    return ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aNewEventIsQueuedOncePerTargetAndARedeliveryIsNot() {
    List<String> two = List.of("http://127.0.0.1:1/a", "http://127.0.0.1:1/b");
    assertThat(store.record(event("evt_1", "cus_1", 1), NOW, json("evt_1"), two))
        .isEqualTo(Recorded.NEW);
    assertThat(store.record(event("evt_1", "cus_1", 1), NOW, json("evt_1"), two))
        .isEqualTo(Recorded.DUPLICATE_EVENT);

    List<Delivery> due = store.due(NOW, 10);
    assertThat(due).extracting(Delivery::target).containsExactlyElementsOf(two);
    assertThat(due.get(0).payload()).isEqualTo(json("evt_1"));
    assertThat(due.get(0).state()).isEqualTo(State.PENDING);
    assertThat(store.nextDue()).isEqualTo(NOW);
  }

  @Test
  void aTargetsLaneSeesOnlyItsOwnDueDeliveriesInOrder() {
    List<String> two = List.of("http://127.0.0.1:1/a", "http://127.0.0.1:1/b");
    store.record(event("evt_1", "cus_1", 1), NOW, json("evt_1"), two);
    store.record(event("evt_2", "cus_1", 2), NOW, json("evt_2"), two);
    store.record(event("evt_3", "cus_2", 3), NOW, json("evt_3"), two);

    assertThat(store.due(NOW, two.get(1), 10))
        .extracting(Delivery::eventId, Delivery::target)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("evt_1", two.get(1)),
            org.assertj.core.groups.Tuple.tuple("evt_3", two.get(1)));
    assertThat(store.due(NOW, two.get(1), 1)).hasSize(1);
    assertThat(store.due(NOW, "http://127.0.0.1:1/none", 10)).isEmpty();
  }

  @Test
  void aDuplicateChangeIsNotForwarded() {
    store.record(event("evt_1", "cus_1", 1), NOW, json("evt_1"), APP);

    assertThat(store.record(event("evt_2", "cus_1", 1), NOW, json("evt_2"), APP))
        .isEqualTo(Recorded.DUPLICATE_CHANGE);
    assertThat(store.due(NOW, 10)).extracting(Delivery::eventId).containsExactly("evt_1");
  }

  @Test
  void aLaterEventOfTheSameObjectWaitsForTheEarlierOne() {
    store.record(event("evt_1", "cus_1", 1), NOW, json("evt_1"), APP);
    store.record(event("evt_2", "cus_1", 2), NOW, json("evt_2"), APP);
    store.record(event("evt_3", "cus_2", 3), NOW, json("evt_3"), APP);

    assertThat(store.due(NOW, 10)).extracting(Delivery::eventId).containsExactly("evt_1", "evt_3");
    long first = store.due(NOW, 10).get(0).id();
    store.retryLater(first, 1, NOW.plusSeconds(60), "HTTP 500");
    assertThat(store.due(NOW, 10)).extracting(Delivery::eventId).containsExactly("evt_3");
    assertThat(store.due(NOW.plusSeconds(60), 10))
        .extracting(Delivery::eventId, Delivery::attempts)
        .contains(org.assertj.core.groups.Tuple.tuple("evt_1", 1));

    store.dead(first, 2, "HTTP 500");
    assertThat(store.due(NOW, 10)).extracting(Delivery::eventId).containsExactly("evt_2", "evt_3");
    assertThat(store.deadLetters())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.eventId()).isEqualTo("evt_1");
              assertThat(d.lastError()).isEqualTo("HTTP 500");
              assertThat(d.attempts()).isEqualTo(2);
              assertThat(d.state()).isEqualTo(State.DEAD);
            });
  }

  @Test
  void aReplayedDeadDeliveryIsPendingAgainWithItsAttemptsReset() {
    store.record(event("evt_1", "cus_1", 1), NOW, json("evt_1"), APP);
    store.dead(store.due(NOW, 1).get(0).id(), 3, "timeout");
    assertThat(store.due(NOW, 10)).isEmpty();
    assertThat(store.nextDue()).isNull();

    assertThat(store.replay("evt_404", NOW)).isZero();
    assertThat(store.replay("evt_1", NOW)).isEqualTo(1);
    assertThat(store.deadLetters()).isEmpty();
    assertThat(store.due(NOW, 10))
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.attempts()).isZero();
              assertThat(d.payload()).isEqualTo(json("evt_1"));
            });
    store.delivered(store.due(NOW, 1).get(0).id());
    assertThat(store.due(NOW, 10)).isEmpty();
    assertThat(store.nextDue()).isNull();
  }

  @Test
  void aReplayOfEveryDeadDeliveryPutsThemAllBack() {
    store.record(event("evt_1", "cus_1", 1), NOW, json("evt_1"), APP);
    store.record(event("evt_2", "cus_2", 1), NOW, json("evt_2"), APP);
    for (Delivery delivery : store.due(NOW, 10)) {
      store.dead(delivery.id(), 1, "gone");
    }

    assertThat(store.replay(null, NOW.plusSeconds(5))).isEqualTo(2);
    assertThat(store.nextDue()).isEqualTo(NOW.plusSeconds(5));
  }
}
