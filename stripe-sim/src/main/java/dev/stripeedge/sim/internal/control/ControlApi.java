package dev.stripeedge.sim.internal.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.internal.engine.Account;
import dev.stripeedge.sim.internal.engine.Accounts;
import dev.stripeedge.sim.internal.engine.Entry;
import dev.stripeedge.sim.internal.engine.EventLog;
import dev.stripeedge.sim.internal.engine.ObjectTypes;
import dev.stripeedge.sim.internal.engine.SimRequest;
import dev.stripeedge.sim.internal.engine.SimResponse;
import dev.stripeedge.sim.internal.engine.Simulator;
import dev.stripeedge.sim.internal.wire.FormDecoder;
import dev.stripeedge.sim.internal.wire.Json;
import dev.stripeedge.sim.internal.wire.JsonMerge;
import dev.stripeedge.sim.internal.wire.Params;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /_sim/…}: the simulator's own API, plainly not Stripe's.
 *
 * <ul>
 *   <li>{@code GET /_sim/config}, {@code POST /_sim/config} (a JSON merge patch: limits, latency,
 *       webhooks, faults, mode…)
 *   <li>{@code POST /_sim/reset}: forget every account, object, key and counter
 *   <li>{@code GET /_sim/clock}, {@code POST /_sim/clock/advance} {@code {"seconds": N}}
 *   <li>{@code GET /_sim/counters}: requests by endpoint and outcome, 429s issued
 *   <li>{@code POST /_sim/objects/{id}} (form, with the account's key): change an object out of
 *       band, as the Dashboard would; emits {@code *.updated} with no request
 *   <li>{@code POST /_sim/seed} {@code {"resource":"customers","count":N}} (with a key): bulk
 *       customers without events, for benchmarks
 *   <li>{@code POST /_sim/webhook_endpoints/{id}/rotate}: a new secret; the old one stays valid
 *   <li>{@code POST /_sim/payment_intents/{id}/authenticate}, {@code
 *       /_sim/setup_intents/{id}/authenticate} (form {@code outcome=complete|fail}, with the
 *       account's key): the cardholder completes or fails 3D Secure
 * </ul>
 */
public final class ControlApi {

  private final Simulator simulator;
  private final Runnable onReset;

  public ControlApi(Simulator simulator, Runnable onReset) {
    this.simulator = simulator;
    this.onReset = onReset;
  }

  /** The 3D Secure step the engine serves (PaymentIntents, SetupIntents). */
  private static final java.util.regex.Pattern AUTHENTICATE =
      java.util.regex.Pattern.compile("/_sim/(payment|setup)_intents/[^/]+/authenticate");

  public SimResponse handle(SimRequest request) {
    if (request.method().equals("POST") && AUTHENTICATE.matcher(request.path()).matches()) {
      // Runs in the engine like any write: the account's key, the object lock, events.
      return simulator.handle(request);
    }
    try {
      String route = request.method() + " " + request.path();
      Object body =
          switch (route) {
            case "GET /_sim/config" -> config();
            case "POST /_sim/config" -> configure(request);
            case "POST /_sim/reset" -> reset();
            case "GET /_sim/clock" -> clock();
            case "POST /_sim/clock/advance" -> advance(request);
            case "GET /_sim/counters" -> counters();
            case "POST /_sim/seed" -> seed(request);
            default -> dynamic(request);
          };
      return json(200, body);
    } catch (StripeError e) {
      return json(e.status(), e.body(null));
    }
  }

  private Object dynamic(SimRequest request) {
    String path = request.path();
    if (request.method().equals("POST") && path.startsWith("/_sim/objects/")) {
      return changeOutOfBand(request, path.substring("/_sim/objects/".length()));
    }
    if (request.method().equals("POST")
        && path.startsWith("/_sim/webhook_endpoints/")
        && path.endsWith("/rotate")) {
      String id =
          path.substring("/_sim/webhook_endpoints/".length(), path.length() - "/rotate".length());
      return rotate(request, id);
    }
    throw StripeError.unrecognizedUrl(request.method(), path);
  }

  private Object config() {
    return Json.MAPPER.valueToTree(simulator.state().config());
  }

  private Object configure(SimRequest request) {
    JsonNode patch = readJson(request);
    if (!patch.isObject()) {
      throw StripeError.invalid(null, "The configuration patch must be a JSON object.", null);
    }
    ObjectNode current = Json.MAPPER.valueToTree(simulator.state().config());
    JsonMerge.merge(current, patch);
    SimConfig updated;
    try {
      updated = Json.MAPPER.treeToValue(current, SimConfig.class);
    } catch (IOException | IllegalArgumentException e) {
      throw StripeError.invalid(null, "Invalid configuration: " + rootMessage(e), null);
    }
    simulator.reconfigure(updated);
    return Json.MAPPER.valueToTree(updated);
  }

  private Object reset() {
    simulator.state().accounts().clear();
    simulator.resetCounters();
    onReset.run();
    return Map.of("reset", true);
  }

  private Object clock() {
    return Map.of("now", simulator.state().clock().epochSeconds());
  }

  private Object advance(SimRequest request) {
    JsonNode body = readJson(request);
    JsonNode seconds = body.get("seconds");
    if (seconds == null || !seconds.canConvertToLong() || seconds.asLong() < 0) {
      throw StripeError.invalid(null, "Send {\"seconds\": N} with N >= 0.", "seconds");
    }
    simulator.state().clock().advance(Duration.ofSeconds(seconds.asLong()));
    return clock();
  }

  private Object counters() {
    Map<String, Long> requests = simulator.counters();
    long rateLimited =
        requests.entrySet().stream()
            .filter(e -> e.getKey().endsWith(" 429"))
            .mapToLong(Map.Entry::getValue)
            .sum();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("requests", requests);
    body.put("status_429", rateLimited);
    return body;
  }

  private Object seed(SimRequest request) {
    Account account = account(request);
    JsonNode body = readJson(request);
    String resource = body.path("resource").asText("customers");
    long count = body.path("count").asLong(0);
    if (!resource.equals("customers") || count < 1 || count > 5_000_000) {
      throw StripeError.invalid(
          null, "Seed supports {\"resource\":\"customers\",\"count\":1..5000000}.", "count");
    }
    long now = simulator.state().clock().epochSeconds();
    String first = null;
    String last = null;
    for (long i = 0; i < count; i++) {
      String id = simulator.state().ids().next("cus");
      Map<String, Object> customer = new LinkedHashMap<>();
      customer.put("id", id);
      customer.put("object", "customer");
      customer.put("address", null);
      customer.put("balance", 0L);
      customer.put("created", now);
      customer.put("currency", null);
      customer.put("default_source", null);
      customer.put("delinquent", false);
      customer.put("description", "Seeded customer " + i);
      customer.put("discount", null);
      customer.put("email", "customer" + i + "@example.com");
      customer.put("invoice_prefix", id.substring(4, 12).toUpperCase(java.util.Locale.ROOT));
      customer.put("livemode", account.livemode());
      customer.put("metadata", Map.of("seq", String.valueOf(i)));
      customer.put("name", "Customer " + i);
      customer.put("next_invoice_sequence", 1L);
      customer.put("phone", null);
      customer.put("preferred_locales", List.of());
      customer.put("shipping", null);
      customer.put("tax_exempt", "none");
      customer.put("test_clock", null);
      account.collection("customers").insert(id, now, Json.write(customer), Map.of());
      first = first == null ? id : first;
      last = id;
    }
    return Map.of("resource", resource, "count", count, "first", first, "last", last);
  }

  private Object changeOutOfBand(SimRequest request, String id) {
    Account account = account(request);
    String type = ObjectTypes.collectionFor(id);
    Entry entry = type == null ? null : account.collection(type).get(id);
    if (entry == null) {
      throw StripeError.resourceMissing("object", id, "id");
    }
    Params params =
        new Params(FormDecoder.decode(new String(request.body(), StandardCharsets.ISO_8859_1)));
    account.writeLock().lock();
    try {
      Map<String, Object> object = Json.readMap(entry.json());
      Map<String, Object> before = new LinkedHashMap<>(object);
      for (String name : params.names()) {
        if (name.equals("id") || name.equals("object") || name.equals("created")) {
          throw StripeError.invalid(null, "Field '" + name + "' cannot be changed.", name);
        }
        if (name.equals("metadata")) {
          @SuppressWarnings("unchecked")
          Map<String, Object> metadata =
              (Map<String, Object>) object.getOrDefault("metadata", Map.of());
          object.put("metadata", params.applyMetadata("metadata", metadata));
        } else {
          object.put(name, typed(params, name, object.get(name)));
        }
      }
      entry.update(Json.write(object), entry.attrs());
      Map<String, Object> previous = new LinkedHashMap<>();
      for (String name : params.names()) {
        previous.put(name, before.get(name));
      }
      simulator
          .state()
          .events()
          .emitOutOfBand(account, object.get("object") + ".updated", object, previous);
      return object;
    } finally {
      account.writeLock().unlock();
    }
  }

  private Object rotate(SimRequest request, String endpointId) {
    Account account = account(request);
    Entry entry = account.collection("webhook_endpoints").get(endpointId);
    if (entry == null) {
      throw StripeError.resourceMissing("webhook_endpoint", endpointId, "id");
    }
    String secret = "whsec_" + simulator.state().ids().token(32);
    Map<String, String> attrs = new LinkedHashMap<>(entry.attrs());
    String old = attrs.get(EventLog.SECRET);
    String previous = attrs.get(EventLog.PREVIOUS_SECRETS);
    attrs.put(
        EventLog.PREVIOUS_SECRETS,
        previous == null || previous.isEmpty() ? old : old + "," + previous);
    attrs.put(EventLog.SECRET, secret);
    entry.update(entry.json(), attrs);
    return Map.of("id", endpointId, "secret", secret);
  }

  private Account account(SimRequest request) {
    Accounts accounts = simulator.state().accounts();
    Accounts.Caller caller =
        accounts.authenticate(request.header("authorization"), simulator.state().config().mode());
    return accounts.actingAs(
        caller, request.header("stripe-account"), request.header("stripe-context"));
  }

  /** Keeps the stored field's JSON type: a number stays a number, a boolean a boolean. */
  private static Object typed(Params params, String name, Object current) {
    if (params.isUnset(name)) {
      return null;
    }
    if (current instanceof Number) {
      return params.integer(name);
    }
    if (current instanceof Boolean) {
      return params.bool(name);
    }
    if (current instanceof Map || params.raw().get(name) instanceof Map) {
      return params.raw().get(name);
    }
    return params.string(name);
  }

  private static JsonNode readJson(SimRequest request) {
    if (request.body().length == 0) {
      return Json.MAPPER.createObjectNode();
    }
    try {
      return Json.MAPPER.readTree(request.body());
    } catch (IOException e) {
      throw StripeError.invalid(null, "Invalid JSON body: " + rootMessage(e), null);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.toString() : root.getMessage();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  private static SimResponse json(int status, Object body) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    return new SimResponse(status, headers, Json.write(body), 0, null, () -> {});
  }
}
