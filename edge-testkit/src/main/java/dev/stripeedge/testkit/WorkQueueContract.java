package dev.stripeedge.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.queue.Delivery;
import dev.stripeedge.core.queue.QueuedWrite;
import dev.stripeedge.core.queue.WorkQueue;
import dev.stripeedge.core.queue.WriteState;
import dev.stripeedge.core.queue.WriteStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link WorkQueue} must do: durable before ack (a write survives reopening), leases
 * with redelivery after a crash, per-object order, dead letters and requeue, bounded size, status
 * and purge. A backend's test extends this class; {@link #reopen} closes the queue and opens a new
 * one on the same store (a restart).
 */
public abstract class WorkQueueContract {

  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");

  private @Nullable WorkQueue queue;

  /** A fresh, empty queue on a store that {@link #reopen} can open again. */
  protected abstract WorkQueue newQueue() throws Exception;

  /** Closes {@code current} (as a crash would leave it: without finishing anything) and reopens. */
  protected abstract WorkQueue reopen(WorkQueue current) throws Exception;

  @BeforeEach
  void open() throws Exception {
    queue = newQueue();
  }

  @AfterEach
  void closeQueue() {
    if (queue != null) {
      queue.close();
    }
  }

  private WorkQueue queue() {
    WorkQueue current = queue;
    if (current == null) {
      throw new IllegalStateException("the contract's queue was not opened");
    }
    return current;
  }

  private static QueuedWrite write(String orderKey, Instant at) {
    String id = "aw_" + UUID.randomUUID().toString().replace("-", "");
    EdgeRequest request =
        new EdgeRequest(
            "POST",
            "/v1/customers",
            "expand[]=x",
            Map.of(
                "authorization", List.of("Bearer sk_test_kit"),
                "idempotency-key", List.of("key-" + id),
                "stripe-version", List.of("2024-06-20")),
            "name=Jane+Doe&metadata[a]=1".getBytes(StandardCharsets.UTF_8));
    return new QueuedWrite(id, request, orderKey, null, at);
  }

  @Test
  void anEnqueuedWriteIsDeliveredWithItsRequestIntact() {
    QueuedWrite write = write("key:a", T0);
    queue().enqueue(write, 100);

    List<Delivery> got = queue().poll(10, T0, LEASE);

    assertThat(got).hasSize(1);
    Delivery delivery = got.get(0);
    assertThat(delivery.attempt()).isEqualTo(1);
    assertThat(delivery.write().id()).isEqualTo(write.id());
    assertThat(delivery.write().idempotencyKey()).isEqualTo(write.idempotencyKey());
    assertThat(delivery.write().request().pathAndQuery()).isEqualTo("/v1/customers?expand[]=x");
    assertThat(delivery.write().request().header("authorization")).isEqualTo("Bearer sk_test_kit");
    assertThat(delivery.write().request().body()).isEqualTo(write.request().body());
    assertThat(delivery.write().acceptedAt()).isEqualTo(T0);
    assertThat(queue().status(write.id()).orElseThrow().state()).isEqualTo(WriteState.IN_FLIGHT);
  }

  @Test
  void anEnqueuedWriteSurvivesARestart() throws Exception {
    QueuedWrite write = write("key:a", T0);
    queue().enqueue(write, 100);

    queue = reopen(queue());

    assertThat(queue().status(write.id()).orElseThrow().state()).isEqualTo(WriteState.QUEUED);
    assertThat(queue().poll(10, T0, LEASE)).extracting(d -> d.write().id()).contains(write.id());
  }

  @Test
  void aLeasedWriteIsHiddenUntilItsLeaseEndsThenDeliveredAgain() throws Exception {
    QueuedWrite write = write("key:a", T0);
    queue().enqueue(write, 100);
    queue().poll(10, T0, LEASE);

    assertThat(queue().poll(10, T0.plusSeconds(29), LEASE)).isEmpty();
    // The worker died: the lease runs out, after a restart too.
    queue = reopen(queue());
    List<Delivery> again = queue().poll(10, T0.plus(LEASE), LEASE);

    assertThat(again).hasSize(1);
    assertThat(again.get(0).attempt()).isEqualTo(2);
    assertThat(again.get(0).write().idempotencyKey()).isEqualTo(write.idempotencyKey());
  }

  @Test
  void aStaleLeaseCannotFinishTheWrite() {
    queue().enqueue(write("key:a", T0), 100);
    Delivery first = queue().poll(10, T0, LEASE).get(0);
    Delivery second = queue().poll(10, T0.plus(LEASE), LEASE).get(0);

    assertThat(queue().finish(first, WriteState.SUCCEEDED, 200, "req_1", new byte[0], "", T0))
        .isFalse();
    assertThat(
            queue()
                .finish(
                    second, WriteState.SUCCEEDED, 200, "req_2", new byte[0], "", T0.plus(LEASE)))
        .isTrue();
    assertThat(queue().status(first.write().id()).orElseThrow().requestId()).isEqualTo("req_2");
  }

  @Test
  void writesToOneObjectAreDeliveredOneAtATimeInAcceptanceOrder() {
    QueuedWrite first = write("obj:cus_1", T0);
    QueuedWrite second = write("obj:cus_1", T0.plusMillis(1));
    QueuedWrite other = write("obj:cus_2", T0.plusMillis(2));
    queue().enqueue(first, 100);
    queue().enqueue(second, 100);
    queue().enqueue(other, 100);

    List<Delivery> round1 = queue().poll(10, T0.plusSeconds(1), LEASE);
    assertThat(round1).extracting(d -> d.write().id()).containsExactly(first.id(), other.id());
    assertThat(queue().poll(10, T0.plusSeconds(1), LEASE)).isEmpty();

    queue()
        .finish(round1.get(0), WriteState.SUCCEEDED, 200, null, new byte[0], "", T0.plusSeconds(2));
    assertThat(queue().poll(10, T0.plusSeconds(2), LEASE))
        .extracting(d -> d.write().id())
        .containsExactly(second.id());
  }

  @Test
  void aRetriedWriteWaitsForItsTimeAndHoldsBackItsObject() {
    QueuedWrite first = write("obj:cus_1", T0);
    QueuedWrite second = write("obj:cus_1", T0.plusMillis(1));
    queue().enqueue(first, 100);
    queue().enqueue(second, 100);
    Delivery delivery = queue().poll(10, T0, LEASE).get(0);

    assertThat(queue().retry(delivery, T0.plusSeconds(5), "HTTP 500", T0)).isTrue();

    assertThat(queue().poll(10, T0.plusSeconds(4), LEASE)).isEmpty();
    assertThat(queue().status(first.id()).orElseThrow().reason()).isEqualTo("HTTP 500");
    List<Delivery> later = queue().poll(10, T0.plusSeconds(5), LEASE);
    assertThat(later).extracting(d -> d.write().id()).containsExactly(first.id());
    assertThat(later.get(0).attempt()).isEqualTo(2);
  }

  @Test
  void aDeferredWriteWaitsForItsTimeWithoutSpendingAnAttempt() {
    QueuedWrite first = write("obj:cus_1", T0);
    QueuedWrite second = write("obj:cus_1", T0.plusMillis(1));
    queue().enqueue(first, 100);
    queue().enqueue(second, 100);
    Delivery delivery = queue().poll(10, T0, LEASE).get(0);

    assertThat(queue().defer(delivery, T0.plusSeconds(5), "held: circuit-open", T0)).isTrue();

    assertThat(queue().poll(10, T0.plusSeconds(4), LEASE)).isEmpty();
    WriteStatus waiting = queue().status(first.id()).orElseThrow();
    assertThat(waiting.state()).isEqualTo(WriteState.QUEUED);
    assertThat(waiting.reason()).isEqualTo("held: circuit-open");
    assertThat(waiting.attempts()).isZero();
    List<Delivery> later = queue().poll(10, T0.plusSeconds(5), LEASE);
    assertThat(later).extracting(d -> d.write().id()).containsExactly(first.id());
    assertThat(later.get(0).attempt()).isEqualTo(1);
    assertThat(queue().defer(delivery, T0.plusSeconds(9), "stale", T0.plusSeconds(5))).isFalse();
  }

  @Test
  void aFinishedWriteKeepsStripesAnswer() {
    QueuedWrite write = write("key:a", T0);
    queue().enqueue(write, 100);
    Delivery delivery = queue().poll(10, T0, LEASE).get(0);
    byte[] body = "{\"id\":\"cus_1\"}".getBytes(StandardCharsets.UTF_8);

    queue().finish(delivery, WriteState.SUCCEEDED, 200, "req_1", body, "", T0.plusSeconds(1));

    WriteStatus status = queue().status(write.id()).orElseThrow();
    assertThat(status.state()).isEqualTo(WriteState.SUCCEEDED);
    assertThat(status.resultStatus()).isEqualTo(200);
    assertThat(status.requestId()).isEqualTo("req_1");
    assertThat(status.resultBody()).isEqualTo(body);
    assertThat(status.attempts()).isEqualTo(1);
    assertThat(status.idempotencyKey()).isEqualTo(write.idempotencyKey());
    assertThat(status.ownerHash()).isEqualTo(write.ownerHash());
    assertThat(queue().poll(10, T0.plus(LEASE).plus(LEASE), LEASE)).isEmpty();
  }

  @Test
  void aWriteFinishedElsewhereIsSettledFromItsStatus() {
    // Another edge (or the Lambda worker) applied the write: the edge that accepted it records
    // the outcome it learned, so its bound and counts do not keep a write that is done.
    QueuedWrite write = write("key:a", T0);
    queue().enqueue(write, 100);
    WriteStatus queued = queue().status(write.id()).orElseThrow();
    byte[] body = "{\"id\":\"cus_1\"}".getBytes(StandardCharsets.UTF_8);
    WriteStatus elsewhere =
        new WriteStatus(
            queued.id(),
            WriteState.SUCCEEDED,
            queued.method(),
            queued.path(),
            queued.idempotencyKey(),
            queued.acceptedAt(),
            T0.plusSeconds(1),
            1,
            200,
            "req_elsewhere",
            body,
            "",
            queued.ownerHash());

    assertThat(queue().settle(elsewhere, T0.plusSeconds(2))).isTrue();

    WriteStatus settled = queue().status(write.id()).orElseThrow();
    assertThat(settled.state()).isEqualTo(WriteState.SUCCEEDED);
    assertThat(settled.requestId()).isEqualTo("req_elsewhere");
    assertThat(queue().counts().getOrDefault(WriteState.QUEUED, 0L)).isZero();
  }

  @Test
  void deadWritesAreListedAndCanBeRequeued() {
    QueuedWrite write = write("key:a", T0);
    queue().enqueue(write, 100);
    Delivery delivery = queue().poll(10, T0, LEASE).get(0);
    queue().finish(delivery, WriteState.DEAD, 500, null, new byte[0], "gave up", T0);

    assertThat(queue().list(WriteState.DEAD, 10))
        .extracting(WriteStatus::id, WriteStatus::reason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(write.id(), "gave up"));
    assertThat(queue().counts()).containsEntry(WriteState.DEAD, 1L);

    assertThat(queue().requeue(write.id(), T0.plusSeconds(1))).isTrue();
    assertThat(queue().requeue(write.id(), T0.plusSeconds(1))).isFalse();
    List<Delivery> again = queue().poll(10, T0.plusSeconds(1), LEASE);
    assertThat(again).extracting(d -> d.write().id()).containsExactly(write.id());
    assertThat(again.get(0).write().idempotencyKey()).isEqualTo(write.idempotencyKey());
  }

  @Test
  void aFullQueueRefusesAndStoresNothing() {
    queue().enqueue(write("key:a", T0), 2);
    queue().enqueue(write("key:b", T0), 2);
    QueuedWrite third = write("key:c", T0);

    assertThatThrownBy(() -> queue().enqueue(third, 2)).isInstanceOf(WorkQueue.Full.class);

    assertThat(queue().status(third.id())).isEmpty();
    assertThat(queue().counts()).containsEntry(WriteState.QUEUED, 2L);
  }

  @Test
  void writesStoredTogetherEachGetTheirOwnOutcomeInOrder() {
    QueuedWrite first = write("key:a", T0);
    queue().enqueue(first, 10);
    QueuedWrite second = write("key:b", T0);
    QueuedWrite third = write("key:c", T0);
    QueuedWrite fourth = write("key:d", T0);

    List<@Nullable RuntimeException> outcomes =
        queue().enqueueAll(List.of(second, first, third, fourth), 3);

    assertThat(outcomes).hasSize(4);
    assertThat(outcomes.get(0)).isNull();
    assertThat(outcomes.get(1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(outcomes.get(2)).isNull();
    assertThat(outcomes.get(3)).isInstanceOf(WorkQueue.Full.class);
    assertThat(queue().status(fourth.id())).isEmpty();
    assertThat(queue().poll(10, T0, LEASE))
        .extracting(d -> d.write().id())
        .containsExactlyInAnyOrder(first.id(), second.id(), third.id());
  }

  @Test
  void manyWritesStoredTogetherAreEachStoredAndKeepEachObjectsOrder() {
    // More than one call's worth for a backend that sends in batches (SQS: 10 a call).
    List<QueuedWrite> writes = new java.util.ArrayList<>();
    for (int i = 0; i < 25; i++) {
      writes.add(write("key:" + (i % 3), T0.plusMillis(i)));
    }

    List<@Nullable RuntimeException> outcomes = queue().enqueueAll(writes, 100);

    assertThat(outcomes).hasSize(25).containsOnlyNulls();
    Instant later = T0.plusSeconds(1);
    Map<String, List<String>> delivered = new java.util.HashMap<>();
    int count = 0;
    for (int round = 0; round < 100 && count < writes.size(); round++) {
      for (Delivery delivery : queue().poll(10, later, LEASE)) {
        delivered
            .computeIfAbsent(delivery.write().orderKey(), k -> new java.util.ArrayList<>())
            .add(delivery.write().id());
        queue().finish(delivery, WriteState.SUCCEEDED, 200, null, new byte[0], "", later);
        count++;
      }
    }
    for (int key = 0; key < 3; key++) {
      String orderKey = "key:" + key;
      assertThat(delivered.get(orderKey))
          .as("the writes of %s, in acceptance order", orderKey)
          .containsExactlyElementsOf(
              writes.stream()
                  .filter(w -> w.orderKey().equals(orderKey))
                  .map(QueuedWrite::id)
                  .toList());
    }
  }

  @Test
  void finishedWritesDoNotCountTowardsTheBound() {
    queue().enqueue(write("key:a", T0), 1);
    Delivery delivery = queue().poll(1, T0, LEASE).get(0);
    queue().finish(delivery, WriteState.FAILED, 400, null, new byte[0], "", T0);

    queue().enqueue(write("key:b", T0), 1);

    assertThat(queue().counts()).containsEntry(WriteState.QUEUED, 1L);
  }

  @Test
  void purgeDropsOnlyFinishedWritesOlderThanTheCutoff() {
    QueuedWrite old = write("key:a", T0);
    QueuedWrite waiting = write("key:b", T0);
    queue().enqueue(old, 100);
    Delivery delivery = queue().poll(1, T0, LEASE).get(0);
    queue().finish(delivery, WriteState.SUCCEEDED, 200, null, new byte[0], "", T0);
    queue().enqueue(waiting, 100);

    assertThat(queue().purge(T0.plusSeconds(1))).isEqualTo(1);

    assertThat(queue().status(old.id())).isEmpty();
    assertThat(queue().status(waiting.id())).isPresent();
  }

  @Test
  void oldestUnfinishedIsTheEarliestAcceptance() {
    assertThat(queue().oldestUnfinished()).isNull();
    queue().enqueue(write("key:a", T0.plusSeconds(5)), 100);
    queue().enqueue(write("key:b", T0), 100);

    assertThat(queue().oldestUnfinished()).isEqualTo(T0);
  }

  @Test
  void aFinishedWriteWithACallbackIsDueUntilAttempted() {
    QueuedWrite plain = write("key:a", T0);
    QueuedWrite withCallback =
        new QueuedWrite(
            "aw_cb" + UUID.randomUUID().toString().replace("-", ""),
            plain.request().withHeader("Idempotency-Key", "cb-key"),
            "key:cb",
            "http://127.0.0.1:9/hook",
            T0);
    queue().enqueue(withCallback, 100);
    assertThat(queue().dueCallbacks(T0, 10)).isEmpty();
    Delivery delivery = queue().poll(1, T0, LEASE).get(0);
    queue().finish(delivery, WriteState.SUCCEEDED, 200, null, new byte[0], "", T0);

    assertThat(queue().dueCallbacks(T0, 10))
        .containsExactly(new WorkQueue.Callback(withCallback.id(), "http://127.0.0.1:9/hook", 0));
    queue().callbackAttempted(withCallback.id(), 1, false, T0.plusSeconds(10));
    assertThat(queue().dueCallbacks(T0.plusSeconds(9), 10)).isEmpty();
    assertThat(queue().dueCallbacks(T0.plusSeconds(10), 10)).hasSize(1);
    queue().callbackAttempted(withCallback.id(), 2, true, T0.plusSeconds(10));
    assertThat(queue().dueCallbacks(T0.plusSeconds(60), 10)).isEmpty();
  }
}
