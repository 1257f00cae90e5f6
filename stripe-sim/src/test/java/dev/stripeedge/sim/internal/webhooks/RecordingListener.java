package dev.stripeedge.sim.internal.webhooks;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Records listener calls and lets tests wait for an event's outcome. */
final class RecordingListener implements DeliveryListener {
  record Attempt(String eventId, String endpointId, int attempt, int status) {}

  final List<Attempt> attempts = new CopyOnWriteArrayList<>();
  final AtomicInteger finishedCalls = new AtomicInteger();
  private final Map<String, CompletableFuture<Boolean>> finished = new ConcurrentHashMap<>();

  @Override
  public void onAttempt(String eventId, String endpointId, int attempt, int statusOrMinusOne) {
    attempts.add(new Attempt(eventId, endpointId, attempt, statusOrMinusOne));
  }

  @Override
  public void onFinished(String eventId, String endpointId, boolean delivered) {
    finishedCalls.incrementAndGet();
    outcome(eventId).complete(delivered);
  }

  CompletableFuture<Boolean> outcome(String eventId) {
    return finished.computeIfAbsent(eventId, id -> new CompletableFuture<>());
  }

  /** Waits up to 5 s for {@code onFinished} of {@code eventId}. */
  boolean awaitOutcome(String eventId) throws Exception {
    return outcome(eventId).get(5, TimeUnit.SECONDS);
  }

  List<Integer> statuses() {
    return attempts.stream().map(Attempt::status).toList();
  }
}
