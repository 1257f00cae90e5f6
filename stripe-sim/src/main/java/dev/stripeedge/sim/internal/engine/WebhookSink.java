package dev.stripeedge.sim.internal.engine;

/**
 * Where events go to be delivered to webhook endpoints.
 *
 * <p>Implementations must not block: they are called while a request holds its account's lock.
 */
public interface WebhookSink {

  /**
   * Delivers one event to one endpoint; the implementation later reports through {@link
   * EventLog#deliveryFinished}.
   */
  void deliver(
      Account account,
      String endpointId,
      String url,
      java.util.List<String> secrets,
      String eventId,
      byte[] payload);

  /** A sink that delivers nothing (the simulator as a library without a server). */
  WebhookSink NONE = (account, endpointId, url, secrets, eventId, payload) -> {};
}
