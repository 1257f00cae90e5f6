package dev.stripeedge.sim.internal.engine;

import dev.stripeedge.sim.internal.wire.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Stores Stripe events and hands them to webhook delivery.
 *
 * <p>An event is stored in the account whose object changed, with {@code pending_webhooks} set to
 * the endpoints that want it: the platform's non-Connect endpoints for its own events, its Connect
 * endpoints for a connected account's. Until every one of them has succeeded the event lists under
 * {@code delivery_success=false}. Events are kept 30 days of simulated time.
 */
public final class EventLog {

  static final Duration RETENTION = Duration.ofDays(30);
  static final String TYPE = "type";
  static final String UNDELIVERED = "undelivered";

  /** Attribute of a webhook endpoint entry: its signing secret. */
  public static final String SECRET = "secret";

  /** Attribute of a webhook endpoint entry: secrets still valid during rotation, comma-joined. */
  public static final String PREVIOUS_SECRETS = "previous_secrets";

  /** Attribute of a webhook endpoint entry: "true" when it receives connected accounts' events. */
  public static final String CONNECT = "connect";

  private final SimState state;
  private final WebhookSink sink;

  EventLog(SimState state, WebhookSink sink) {
    this.state = state;
    this.sink = sink;
  }

  void emit(
      Account account,
      String type,
      Map<String, Object> object,
      @Nullable Map<String, Object> previousAttributes,
      @Nullable String requestId,
      @Nullable String idempotencyKey,
      String apiVersion) {
    Account platform = account.platform() == null ? account : account.platform();
    List<Target> endpoints = endpointsFor(platform, type, account != platform);

    Map<String, Object> event = new LinkedHashMap<>();
    event.put("id", state.ids().next("evt"));
    event.put("object", "event");
    if (account.platform() != null) {
      event.put("account", account.id());
    }
    event.put("api_version", apiVersion);
    event.put("created", state.clock().epochSeconds());
    event.put("data", data(object, previousAttributes, apiVersion, account));
    event.put("livemode", account.livemode());
    event.put("pending_webhooks", endpoints.size());
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("id", requestId);
    request.put("idempotency_key", idempotencyKey);
    event.put("request", request);
    event.put("type", type);

    byte[] payload = Json.write(event);
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put(TYPE, type);
    if (!endpoints.isEmpty()) {
      attrs.put(UNDELIVERED, String.valueOf(endpoints.size()));
    }
    Collection events = account.collection("events");
    events.insert((String) event.get("id"), (Long) event.get("created"), payload, attrs);
    prune(events);
    for (Target endpoint : endpoints) {
      String version = endpoint.apiVersion();
      byte[] delivered = payload;
      if (version != null && !version.equals(apiVersion)) {
        // Stripe renders a webhook in the endpoint's API version when it has one (older or newer
        // than the account's), else in the account's: the payload as stored.
        Map<String, Object> pinned = new LinkedHashMap<>(event);
        pinned.put("api_version", version);
        pinned.put("data", data(object, previousAttributes, version, account));
        delivered = Json.write(pinned);
      }
      sink.deliver(
          account,
          endpoint.id(),
          endpoint.url(),
          endpoint.secrets(),
          (String) event.get("id"),
          delivered);
    }
  }

  /** An event's {@code data}: the object (in today's shape) as {@code version} shows it. */
  private static Map<String, Object> data(
      Map<String, Object> object,
      @Nullable Map<String, Object> previousAttributes,
      String version,
      Account account) {
    Versions.Shape shape = Versions.shape(version);
    Map<String, Object> data = new LinkedHashMap<>();
    if (shape.current()) {
      data.put("object", object);
    } else {
      // A copy: the caller's object stays in today's shape for other renderings.
      Map<String, Object> copy = Json.readMap(Json.write(object));
      shape.apply(copy, account);
      data.put("object", copy);
    }
    if (previousAttributes != null) {
      data.put("previous_attributes", previousAttributes);
    }
    return data;
  }

  /** Announces a change Stripe made by itself (or the Dashboard did): no request. */
  public void emitOutOfBand(
      Account account,
      String type,
      Map<String, Object> object,
      @Nullable Map<String, Object> previousAttributes) {
    emit(account, type, object, previousAttributes, null, null, state.config().apiVersion());
  }

  /** A delivery ended: counts it down from {@code pending_webhooks} once it has succeeded. */
  public void deliveryFinished(Account account, String eventId, boolean delivered) {
    if (!delivered) {
      return;
    }
    account.writeLock().lock();
    try {
      Entry entry = account.collection("events").get(eventId);
      if (entry == null) {
        return;
      }
      Map<String, Object> event = Json.readMap(entry.json());
      long pending = Math.max(0, ((Number) event.get("pending_webhooks")).longValue() - 1);
      event.put("pending_webhooks", pending);
      Map<String, String> attrs = new LinkedHashMap<>(entry.attrs());
      if (pending == 0) {
        attrs.remove(UNDELIVERED);
      } else {
        attrs.put(UNDELIVERED, String.valueOf(pending));
      }
      entry.update(Json.write(event), attrs);
    } finally {
      account.writeLock().unlock();
    }
  }

  /** Forgets the account's events older than 30 days of simulated time; cheap when none are. */
  public void prune(Account account) {
    prune(account.collection("events"));
  }

  private void prune(Collection events) {
    long cutoff = state.clock().epochSeconds() - RETENTION.toSeconds();
    events.removeCreatedBefore(cutoff);
  }

  /** Endpoint secrets live in attributes: Stripe shows a secret only when it is created. */
  private static List<String> secretsOf(Entry endpoint) {
    List<String> secrets = new ArrayList<>();
    secrets.add(endpoint.attr(SECRET));
    String previous = endpoint.attr(PREVIOUS_SECRETS);
    if (previous != null && !previous.isEmpty()) {
      secrets.addAll(List.of(previous.split(",")));
    }
    return secrets;
  }

  private record Target(String id, String url, List<String> secrets, @Nullable String apiVersion) {}

  @SuppressWarnings("unchecked")
  private static List<Target> endpointsFor(Account platform, String type, boolean connectEvent) {
    List<Target> matching = new ArrayList<>();
    ListQuery all = new ListQuery(100, null, null, Long.MIN_VALUE, Long.MAX_VALUE);
    for (Entry entry :
        platform
            .collection("webhook_endpoints")
            .list(all, e -> true, "webhook_endpoint")
            .entries()) {
      boolean connect = "true".equals(entry.attr(CONNECT));
      if (connect != connectEvent) {
        continue;
      }
      Map<String, Object> endpoint = Json.readMap(entry.json());
      if (!"enabled".equals(endpoint.get("status"))) {
        continue;
      }
      List<String> wanted = (List<String>) endpoint.get("enabled_events");
      if (wanted.contains("*") || wanted.contains(type)) {
        matching.add(
            new Target(
                entry.id(),
                (String) endpoint.get("url"),
                secretsOf(entry),
                (String) endpoint.get("api_version")));
      }
    }
    return matching;
  }
}
