package dev.stripeedge.sim.internal.engine;

import dev.stripeedge.sim.internal.wire.Json;
import dev.stripeedge.sim.internal.wire.Params;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One request as an operation sees it: the account, parameters, path variables and the tools to
 * read, store and announce objects.
 *
 * <p>Writes run under the account's write lock (the engine takes it), so an operation may read,
 * change and store several objects without racing another write. Not thread-safe; one per request.
 */
public final class Call {

  private final SimState state;
  private final Account account;
  private final Params params;
  private final Map<String, String> vars;
  private final @Nullable String requestId;
  private final @Nullable String idempotencyKey;
  private final String apiVersion;

  Call(
      SimState state,
      Account account,
      Params params,
      Map<String, String> vars,
      @Nullable String requestId,
      @Nullable String idempotencyKey,
      String apiVersion) {
    this.state = state;
    this.account = account;
    this.params = params;
    this.vars = vars;
    this.requestId = requestId;
    this.idempotencyKey = idempotencyKey;
    this.apiVersion = apiVersion;
  }

  public Account account() {
    return account;
  }

  public Params params() {
    return params;
  }

  /** A path variable, e.g. {@code path("id")} for {@code /v1/customers/{id}}. */
  public String path(String name) {
    String value = vars.get(name);
    if (value == null) {
      throw new IllegalStateException("route has no path variable " + name);
    }
    return value;
  }

  public SimState state() {
    return state;
  }

  /** Now, in Unix seconds of the simulated clock. */
  public long now() {
    return state.clock().epochSeconds();
  }

  public String newId(String prefix) {
    return state.ids().next(prefix);
  }

  public String apiVersion() {
    return apiVersion;
  }

  /** A new object with Stripe's leading fields: id, object, created, livemode. */
  public Map<String, Object> newObject(String idPrefix, String objectName) {
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("id", newId(idPrefix));
    object.put("object", objectName);
    object.put("created", now());
    object.put("livemode", account.livemode());
    return object;
  }

  public Collection collection(String type) {
    return account.collection(type);
  }

  /** The stored entry, or Stripe's 404 naming {@code param}. */
  public Entry require(String type, String objectName, String id, String param) {
    Entry entry = account.collection(type).get(id);
    if (entry == null) {
      throw StripeError.resourceMissing(objectName, id, param);
    }
    return entry;
  }

  /** The stored object, parsed and mutable, or Stripe's 404 naming {@code param}. */
  public Map<String, Object> load(String type, String objectName, String id, String param) {
    return Json.readMap(require(type, objectName, id, param).json());
  }

  public Map<String, Object> read(Entry entry) {
    return Json.readMap(entry.json());
  }

  public Entry insert(String type, Map<String, Object> object) {
    return insert(type, object, Map.of());
  }

  public Entry insert(String type, Map<String, Object> object, Map<String, String> attrs) {
    return account
        .collection(type)
        .insert((String) object.get("id"), created(object), Json.write(object), attrs);
  }

  public void save(String type, Map<String, Object> object) {
    save(type, object, null);
  }

  /** Stores a changed object; {@code attrs} null keeps the entry's current attributes. */
  public void save(String type, Map<String, Object> object, @Nullable Map<String, String> attrs) {
    String id = (String) object.get("id");
    Entry entry = require(type, String.valueOf(object.get("object")), id, "id");
    entry.update(Json.write(object), attrs == null ? entry.attrs() : attrs);
  }

  public void delete(String type, String id) {
    account.collection(type).remove(id);
  }

  /** Announces a change: stores the event and hands it to webhook delivery. */
  public void emit(String type, Map<String, Object> object) {
    emit(type, object, null);
  }

  /** Announces an update with the fields' values before it ({@code data.previous_attributes}). */
  public void emit(
      String type, Map<String, Object> object, @Nullable Map<String, Object> previousAttributes) {
    // Webhook payloads use the account's default version, not the request's (as at Stripe).
    state
        .events()
        .emit(
            account,
            type,
            object,
            previousAttributes,
            requestId,
            idempotencyKey,
            state.config().apiVersion());
  }

  /** Counts an update against the PaymentIntent's hourly limit. */
  public void countPaymentIntentUpdate(String paymentIntentId) {
    if (state.config().limits().enabled()) {
      account.limits.countPaymentIntentUpdate(
          paymentIntentId,
          state.config().limits().paymentIntentUpdatesPerHour(),
          state.clock().epochMillis());
    }
  }

  private static long created(Map<String, Object> object) {
    Object created = object.get("created");
    return created instanceof Number n ? n.longValue() : 0L;
  }
}
