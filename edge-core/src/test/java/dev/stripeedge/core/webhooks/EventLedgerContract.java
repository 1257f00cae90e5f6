package dev.stripeedge.core.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.core.webhooks.EventLedger.Recorded;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link EventLedger} backend must show; a backend's test extends this class.
 */
public abstract class EventLedgerContract {

  protected static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L);

  protected EventLedger ledger;

  /** A fresh, empty ledger. */
  protected abstract EventLedger create() throws Exception;

  @BeforeEach
  void open() throws Exception {
    ledger = create();
  }

  @AfterEach
  void closeLedger() {
    ledger.close();
  }

  protected static StripeEvent event(String id, String objectId, String type, long created) {
    return new StripeEvent(id, type, created, objectId, null, Set.of(objectId));
  }

  @Test
  void aNewEventIsRecordedOnce() {
    StripeEvent event = event("evt_1", "cus_1", "customer.updated", 100);

    assertThat(ledger.record(event, NOW)).isEqualTo(Recorded.NEW);
    assertThat(ledger.record(event, NOW.plusSeconds(60))).isEqualTo(Recorded.DUPLICATE_EVENT);
    assertThat(ledger.contains("evt_1")).isTrue();
    assertThat(ledger.contains("evt_2")).isFalse();
  }

  @Test
  void aSecondEventForTheSameChangeIsADuplicateChange() {
    ledger.record(event("evt_1", "cus_1", "customer.updated", 100), NOW);

    assertThat(ledger.record(event("evt_2", "cus_1", "customer.updated", 100), NOW))
        .isEqualTo(Recorded.DUPLICATE_CHANGE);
    assertThat(ledger.record(event("evt_3", "cus_1", "customer.updated", 101), NOW))
        .isEqualTo(Recorded.NEW);
    assertThat(ledger.record(event("evt_4", "cus_1", "customer.deleted", 100), NOW))
        .isEqualTo(Recorded.NEW);
    assertThat(ledger.record(event("evt_5", "cus_2", "customer.updated", 100), NOW))
        .isEqualTo(Recorded.NEW);
  }

  @Test
  void eventsWithoutAnObjectIdAreDedupedByIdOnly() {
    StripeEvent first = new StripeEvent("evt_1", "balance.available", 100, null, null, Set.of());
    StripeEvent second = new StripeEvent("evt_2", "balance.available", 100, null, null, Set.of());

    assertThat(ledger.record(first, NOW)).isEqualTo(Recorded.NEW);
    assertThat(ledger.record(second, NOW)).isEqualTo(Recorded.NEW);
    assertThat(ledger.record(second, NOW)).isEqualTo(Recorded.DUPLICATE_EVENT);
  }

  @Test
  void aRecordedEventIsUnappliedWithItsObjectIdsUntilMarkedApplied() {
    StripeEvent event =
        new StripeEvent(
            "evt_1", "invoice.paid", 100, "in_1", null, Set.of("in_1", "cus_1", "sub_1"));
    ledger.record(event, NOW);

    assertThat(ledger.unapplied(NOW.plusMillis(1), 10))
        .containsExactly(new EventLedger.Unapplied("evt_1", Set.of("in_1", "cus_1", "sub_1"), NOW));

    ledger.markApplied(List.of("evt_1", "evt_unknown"));

    assertThat(ledger.unapplied(NOW.plusSeconds(60), 10)).isEmpty();
    assertThat(ledger.contains("evt_1")).isTrue();
  }

  @Test
  void unappliedEventsComeInRecordingOrderBeforeTheGivenTimeUpToTheLimit() {
    ledger.record(event("evt_1", "cus_1", "customer.updated", 100), NOW);
    ledger.record(event("evt_2", "cus_2", "customer.updated", 100), NOW.plusSeconds(1));
    ledger.record(event("evt_3", "cus_3", "customer.updated", 100), NOW.plusSeconds(2));
    ledger.record(event("evt_4", "cus_4", "customer.updated", 100), NOW.plusSeconds(3));
    ledger.markApplied(List.of("evt_2"));

    assertThat(ledger.unapplied(NOW.plusSeconds(3), 10))
        .extracting(EventLedger.Unapplied::eventId)
        .containsExactly("evt_1", "evt_3");
    assertThat(ledger.unapplied(NOW.plusSeconds(60), 2))
        .extracting(EventLedger.Unapplied::eventId)
        .containsExactly("evt_1", "evt_3");
    assertThat(ledger.unapplied(NOW, 10)).isEmpty();
  }

  @Test
  void aRedeliveryAddsNothingToApply() {
    ledger.record(event("evt_1", "cus_1", "customer.updated", 100), NOW);
    ledger.markApplied(List.of("evt_1"));

    ledger.record(event("evt_1", "cus_1", "customer.updated", 100), NOW);

    assertThat(ledger.unapplied(NOW.plusSeconds(60), 10)).isEmpty();
  }

  @Test
  void aDoubleEventIsJournaledUnderItsOwnIdAndItsRedeliveryIsADuplicateEvent() {
    ledger.record(event("evt_1", "cus_1", "customer.updated", 100), NOW);
    ledger.markApplied(List.of("evt_1"));

    assertThat(ledger.record(event("evt_2", "cus_1", "customer.updated", 100), NOW))
        .isEqualTo(Recorded.DUPLICATE_CHANGE);

    // Applied (it may be a second real change within the second), so journaled like a new one.
    assertThat(ledger.contains("evt_2")).isTrue();
    assertThat(ledger.unapplied(NOW.plusSeconds(60), 10))
        .containsExactly(new EventLedger.Unapplied("evt_2", Set.of("cus_1"), NOW));
    assertThat(ledger.record(event("evt_2", "cus_1", "customer.updated", 100), NOW))
        .isEqualTo(Recorded.DUPLICATE_EVENT);
    ledger.markApplied(List.of("evt_2"));
    assertThat(ledger.unapplied(NOW.plusSeconds(60), 10)).isEmpty();
  }

  @Test
  void anEventWithoutObjectsIsJournaledToo() {
    ledger.record(new StripeEvent("evt_1", "balance.available", 100, null, null, Set.of()), NOW);

    assertThat(ledger.unapplied(NOW.plusSeconds(1), 10))
        .containsExactly(new EventLedger.Unapplied("evt_1", Set.of(), NOW));
  }

  @Test
  void concurrentMarksAndRecordsLoseNothing() throws Exception {
    int events = 64;
    try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
      List<Future<?>> work = new ArrayList<>();
      for (int i = 0; i < events; i++) {
        String id = "evt_" + i;
        work.add(
            threads.submit(
                () -> {
                  ledger.record(event(id, "cus_" + id, "customer.updated", 100), NOW);
                  if (id.hashCode() % 2 == 0) {
                    ledger.markApplied(List.of(id));
                  }
                }));
      }
      for (Future<?> done : work) {
        done.get();
      }
    }

    List<String> expected = new ArrayList<>();
    for (int i = 0; i < events; i++) {
      if (("evt_" + i).hashCode() % 2 != 0) {
        expected.add("evt_" + i);
      }
    }
    assertThat(ledger.unapplied(NOW.plusSeconds(1), events))
        .extracting(EventLedger.Unapplied::eventId)
        .containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void theCursorStartsEmptyAndMovesWhereItIsTold() {
    assertThat(ledger.cursor()).isNull();

    ledger.advance("evt_5");
    ledger.advance("evt_9");

    assertThat(ledger.cursor()).isEqualTo("evt_9");
    ledger.advance("");
    assertThat(ledger.cursor()).isEmpty();
  }

  @Test
  void eachConnectedAccountHasACursorOfItsOwn() {
    ledger.advance("evt_platform");

    assertThat(ledger.cursor("acct_1")).isNull();
    ledger.advance("acct_1", "evt_a1");
    ledger.advance("acct_2", "");

    assertThat(ledger.cursor("acct_1")).isEqualTo("evt_a1");
    assertThat(ledger.cursor("acct_2")).isEmpty();
    assertThat(ledger.cursor("")).isEqualTo("evt_platform");
    assertThat(ledger.cursor()).isEqualTo("evt_platform");
  }

  @Test
  void theAccountsOfRecordedEventsAreListedOnceInAStableOrder() {
    ledger.record(
        new StripeEvent("evt_1", "customer.updated", 1, "cus_1", "acct_b", Set.of()), NOW);
    ledger.record(
        new StripeEvent("evt_2", "customer.updated", 2, "cus_1", "acct_a", Set.of()), NOW);
    ledger.record(
        new StripeEvent("evt_3", "customer.updated", 3, "cus_2", "acct_b", Set.of()), NOW);
    ledger.record(event("evt_4", "cus_3", "customer.updated", 4), NOW);

    List<String> first = ledger.accounts();
    assertThat(first).containsExactlyInAnyOrder("acct_a", "acct_b");
    ledger.record(
        new StripeEvent("evt_5", "customer.updated", 5, "cus_4", "acct_c", Set.of()), NOW);
    assertThat(ledger.accounts()).containsAll(first).contains("acct_c").hasSize(3);
  }

  @Test
  void concurrentDeliveriesOfOneEventRecordItExactlyOnce() throws Exception {
    StripeEvent event = event("evt_race", "cus_1", "customer.updated", 100);
    List<Future<Recorded>> outcomes = new ArrayList<>();
    try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
      for (int i = 0; i < 32; i++) {
        outcomes.add(threads.submit(() -> ledger.record(event, NOW)));
      }
    }

    long recorded = 0;
    for (Future<Recorded> outcome : outcomes) {
      if (outcome.get() == Recorded.NEW) {
        recorded++;
      }
    }
    assertThat(recorded).isEqualTo(1);
  }

  @Test
  void aClosedLedgerRefusesWork() {
    ledger.close();

    assertThatThrownBy(() -> ledger.record(event("evt_1", "cus_1", "customer.updated", 1), NOW))
        .isInstanceOf(IllegalStateException.class);
    ledger = create0();
  }

  private EventLedger create0() {
    try {
      return create();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
