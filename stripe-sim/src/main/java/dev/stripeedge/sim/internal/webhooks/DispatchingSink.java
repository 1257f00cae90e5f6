package dev.stripeedge.sim.internal.webhooks;

import dev.stripeedge.sim.internal.engine.Account;
import dev.stripeedge.sim.internal.engine.EventLog;
import dev.stripeedge.sim.internal.engine.WebhookSink;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Connects the event log to the HTTP dispatcher: deliveries go out over Vert.x and their outcome
 * comes back to the event ({@code pending_webhooks}, {@code delivery_success}).
 *
 * <p>Thread-safe. Remembers the account of each delivery until it finishes.
 */
public final class DispatchingSink implements WebhookSink, DeliveryListener {

  private final Map<String, Account> accountsByEvent = new ConcurrentHashMap<>();
  private volatile EventLog events;
  private volatile WebhookDispatcher dispatcher;

  /** Completes the wiring: the dispatcher needs this listener, the log needs this sink. */
  public void bind(EventLog events, WebhookDispatcher dispatcher) {
    this.events = events;
    this.dispatcher = dispatcher;
  }

  @Override
  public void deliver(
      Account account,
      String endpointId,
      String url,
      List<String> secrets,
      String eventId,
      byte[] payload) {
    accountsByEvent.put(key(eventId, endpointId), account);
    dispatcher.deliver(new WebhookTarget(endpointId, url, secrets), eventId, payload);
  }

  @Override
  public void onAttempt(String eventId, String endpointId, int attempt, int statusOrMinusOne) {}

  @Override
  public void onFinished(String eventId, String endpointId, boolean delivered) {
    Account account = accountsByEvent.remove(key(eventId, endpointId));
    if (account != null) {
      events.deliveryFinished(account, eventId, delivered);
    }
  }

  private static String key(String eventId, String endpointId) {
    return eventId + " " + endpointId;
  }
}
