package dev.stripeedge.sim.internal.webhooks;

/**
 * Receives the outcome of each delivery attempt so the simulator can keep {@code pending_webhooks}
 * and delivery history in step.
 *
 * <p>Implementations must be thread-safe and must not block: callbacks run on Vert.x event-loop
 * threads (or, for a dropped delivery, on the thread calling {@link WebhookDispatcher#deliver}).
 * Exceptions thrown by a callback are logged and otherwise ignored.
 */
public interface DeliveryListener {
  /**
   * Called after every attempt of a delivery, successful or not.
   *
   * @param attempt 1-based attempt number
   * @param statusOrMinusOne the HTTP status, or {@code -1} for a connection error or timeout
   */
  void onAttempt(String eventId, String endpointId, int attempt, int statusOrMinusOne);

  /**
   * Called exactly once per delivery: on the first 2xx, when attempts are exhausted, or at once
   * when fault injection drops the delivery.
   */
  void onFinished(String eventId, String endpointId, boolean delivered);
}
