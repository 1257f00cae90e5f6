package dev.stripeedge.sim.internal.engine;

import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimConfig.FaultKind;
import dev.stripeedge.sim.SimConfig.FaultRule;
import dev.stripeedge.sim.internal.wire.FormDecoder;
import dev.stripeedge.sim.internal.wire.Json;
import dev.stripeedge.sim.internal.wire.Params;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated Stripe API: one request in, one response out, independent of any server.
 *
 * <p>The order is Stripe's: authenticate, route, rate limiters, object lock, idempotency, parameter
 * validation, the operation, then the idempotency record. Rate-limited, unauthenticated and invalid
 * requests are never stored under their idempotency key; anything that began executing is.
 * Thread-safe: reads are lock-free, writes serialise per account.
 */
public final class Simulator {

  // Over 400 lines: the one request path every resource shares (routing, auth, idempotency, locks,
  // versions, expansion, list streaming), kept in one place so its order is readable.

  private static final Logger log = LoggerFactory.getLogger(Simulator.class);
  private static final byte[] LIST_OPEN =
      "{\"object\":\"list\",\"data\":[".getBytes(StandardCharsets.UTF_8);

  private final SimState state;
  private final Router router;
  private final LatencyModel latency;
  private final FaultInjector faults;
  private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
  private final HttpDate httpDate = new HttpDate();

  public Simulator(SimState state, Router router) {
    this.state = state;
    this.router = router;
    this.latency = new LatencyModel(state.config().seed());
    this.faults = new FaultInjector(state.config().seed());
  }

  public SimState state() {
    return state;
  }

  public Router router() {
    return router;
  }

  /** Requests by {@code "METHOD /template status"}, for the control API. */
  public Map<String, Long> counters() {
    Map<String, Long> snapshot = new TreeMap<>();
    counters.forEach((key, adder) -> snapshot.put(key, adder.sum()));
    return snapshot;
  }

  /** New fault rules take effect; "next N" counts start again. */
  public void reconfigure(SimConfig config) {
    state.config(config);
    faults.reset();
  }

  public void resetCounters() {
    counters.clear();
  }

  public SimResponse handle(SimRequest request) {
    SimConfig config = state.config();
    String requestId = state.ids().next("req");
    Releases releases = new Releases();
    String endpoint = request.method() + " (unrouted)";
    try {
      Accounts.Caller caller =
          state.accounts().authenticate(request.header("authorization"), config.mode());
      Account account =
          state
              .accounts()
              .actingAs(caller, request.header("stripe-account"), request.header("stripe-context"));
      Router.Match match = router.match(request.method(), request.path());
      if (match == null) {
        throw StripeError.unrecognizedUrl(request.method(), request.path());
      }
      Route route = match.route();
      endpoint = route.endpoint();
      Versions.validate(request.header("stripe-version"));
      if (caller.readOnly() && !request.method().equals("GET")) {
        throw StripeError.permission(
            "The provided key '%s' does not have the required permissions for this endpoint on account '%s'."
                .formatted(caller.maskedKey(), account.id()));
      }
      if (config.limits().enabled()) {
        account.limits.admit(config.limits(), config.mode(), route, state.clock().nanos());
        releases.add(account.limits::release);
      }
      FaultRule rule = faults.pick(config, request.method(), request.path(), route, account.id());
      long delay = latency.sampleMillis(config.latency(), route.kind());
      FaultKind fault = rule == null ? null : rule.kind();
      if (rule != null && fault == FaultKind.DELAY) {
        delay += rule.delayMs();
        fault = null; // slow, otherwise a normal answer
      }
      if (fault == FaultKind.HANG || fault == FaultKind.RESET) {
        count(endpoint, fault.name());
        return new SimResponse(0, Map.of(), new byte[0], delay, fault, releases);
      }
      if (route.lockVar() != null && config.limits().enabled()) {
        String objectId = match.vars().get(route.lockVar());
        account.limits.lock(objectId);
        releases.add(() -> account.limits.unlock(objectId));
      }
      Params params = new Params(decode(request));
      Map<String, String> headers = baseHeaders(requestId, request);
      String key = request.method().equals("POST") ? request.header("idempotency-key") : null;
      Idempotency.Record record = null;
      if (key != null) {
        headers.put("Idempotency-Key", key);
        record = account.idempotency.begin(key, fingerprint(request, params), requestId);
        if (!record.originalRequestId.equals(requestId)) {
          headers.put("Idempotent-Replayed", "true");
          headers.put("Original-Request", record.originalRequestId);
          count(endpoint, record.status + " replayed");
          return new SimResponse(record.status, headers, record.body, delay, null, releases);
        }
        Idempotency.Record started = record;
        releases.add(() -> account.idempotency.release(started));
      }
      try {
        byte[] body = execute(fault, route, match, account, params, requestId, key, headers);
        if (record != null) {
          account.idempotency.complete(record, 200, body);
        }
        count(endpoint, "200");
        return new SimResponse(200, headers, body, delay, fault, releases);
      } catch (StripeError e) {
        if (record != null) {
          if (e.storable()) {
            account.idempotency.complete(record, e.status(), errorBody(e, requestId));
          } else {
            account.idempotency.abandon(key, record);
          }
        }
        throw e;
      }
    } catch (StripeError e) {
      count(endpoint, String.valueOf(e.status()));
      Map<String, String> headers =
          e.withRequestId() ? baseHeaders(requestId, request) : jsonHeaders(request);
      headers.putAll(e.headers());
      String key = request.header("idempotency-key");
      if (key != null && request.method().equals("POST")) {
        headers.put("Idempotency-Key", key);
      }
      long delay =
          e.code() != null && e.code().equals("lock_timeout")
              ? config.limits().lockTimeoutMillis()
              : 0;
      return new SimResponse(
          e.status(),
          headers,
          errorBody(e, e.withRequestId() ? requestId : null),
          delay,
          null,
          releases);
    }
  }

  private byte[] execute(
      @Nullable FaultKind fault,
      Route route,
      Router.Match match,
      Account account,
      Params params,
      String requestId,
      @Nullable String key,
      Map<String, String> headers) {
    if (fault == FaultKind.ERROR_500) {
      throw StripeError.apiError(
          "An unknown error occurred while processing your request (simulated fault).");
    }
    if (fault == FaultKind.ERROR_503) {
      throw StripeError.unavailable("The server is temporarily unavailable (simulated fault).");
    }
    String version = headers.getOrDefault("Stripe-Version", state.config().apiVersion());
    Versions.upgradeRequest(route.endpoint(), params.raw(), version);
    params.allowOnly(route.params());
    List<String> expand = params.stringList("expand");
    Expander.validate(expand);
    Versions.Shape shape = Versions.shape(version);
    Call call = new Call(state, account, params, match.vars(), requestId, key, version);
    Result result;
    boolean write = route.kind() == Route.Kind.WRITE || route.kind() == Route.Kind.PAYMENT;
    try {
      if (write) {
        account.writeLock().lock();
        try {
          result = route.handler().handle(call);
        } finally {
          account.writeLock().unlock();
        }
      } else {
        result = route.handler().handle(call);
      }
    } catch (StripeError e) {
      if (!shape.current()) {
        // Objects in a card error (the PaymentIntent, the PaymentMethod) are in the request's
        // version too.
        e.extras()
            .replaceAll(
                (field, value) -> {
                  if (!(value instanceof Map<?, ?>)) {
                    return value;
                  }
                  Map<String, Object> copy = Json.readMap(Json.write(value));
                  shape.apply(copy, account);
                  return copy;
                });
      }
      throw e;
    } catch (RuntimeException e) {
      log.error("operation {} failed", route.endpoint(), e);
      throw StripeError.apiError("An unknown error occurred while processing your request.");
    }
    return render(result, expand, account, shape);
  }

  /**
   * The response body: the result in the request's version shape, then expanded (Stripe shapes an
   * object for the version before it expands it, and shapes what the expansion brings in too). At
   * the current version with nothing to expand, stored JSON is sent as it is.
   */
  private static byte[] render(
      Result result, List<String> expand, Account account, Versions.Shape shape) {
    return switch (result) {
      case Result.Obj(Map<String, Object> object) -> {
        if (expand.isEmpty() && shape.current()) {
          yield Json.write(object);
        }
        // A parsed copy: built objects may hold immutable maps.
        yield shapeAndExpand(Json.write(object), expand, account, shape);
      }
      case Result.Stored(Entry entry) ->
          expand.isEmpty() && shape.current()
              ? entry.json()
              : shapeAndExpand(entry.json(), expand, account, shape);
      case Result.Listing(String url, Page page) ->
          renderList(page, expand, account, url, null, false, shape);
      case Result.Search(String url, Page page, String nextPage) ->
          renderList(page, expand, account, url, nextPage, true, shape);
    };
  }

  private static byte[] shapeAndExpand(
      byte[] json, List<String> expand, Account account, Versions.Shape shape) {
    Map<String, Object> object = Json.readMap(json);
    shape.apply(object, account);
    Expander.expand(object, expand, account, shape);
    return Json.write(object);
  }

  private static byte[] renderList(
      Page page,
      List<String> expand,
      Account account,
      String url,
      @Nullable String nextPage,
      boolean search,
      Versions.Shape shape) {
    List<String> perItem = new ArrayList<>();
    for (String path : expand) {
      if (!path.startsWith("data.")) {
        throw StripeError.invalid(
            null,
            "This property cannot be expanded (" + path + "). Expansions on lists start with data.",
            "expand");
      }
      perItem.add(path.substring(5));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + page.entries().size() * 700);
    if (search) {
      out.writeBytes("{\"object\":\"search_result\",\"data\":[".getBytes(StandardCharsets.UTF_8));
    } else {
      out.writeBytes(LIST_OPEN);
    }
    boolean first = true;
    for (Entry entry : page.entries()) {
      if (!first) {
        out.write(',');
      }
      first = false;
      if (perItem.isEmpty() && shape.current()) {
        out.writeBytes(entry.json());
      } else {
        out.writeBytes(shapeAndExpand(entry.json(), perItem, account, shape));
      }
    }
    Map<String, Object> tail = new LinkedHashMap<>();
    tail.put("has_more", page.hasMore());
    if (search) {
      tail.put("next_page", nextPage);
    }
    tail.put("url", url);
    byte[] rest = Json.write(tail);
    out.write(']');
    out.write(',');
    out.write(rest, 1, rest.length - 1);
    return out.toByteArray();
  }

  private Map<String, String> jsonHeaders(SimRequest request) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("Cache-Control", "no-cache, no-store");
    return headers;
  }

  private Map<String, String> baseHeaders(String requestId, SimRequest request) {
    Map<String, String> headers = jsonHeaders(request);
    headers.put("Request-Id", requestId);
    headers.put("Date", httpDate.format(state.clock().epochSeconds()));
    String version = request.header("stripe-version");
    headers.put(
        "Stripe-Version",
        version == null || version.isBlank() ? state.config().apiVersion() : version);
    return headers;
  }

  private static Map<String, Object> decode(SimRequest request) {
    Map<String, Object> params = FormDecoder.decode(request.query());
    if (request.body().length == 0) {
      return params;
    }
    if (!request.method().equals("POST")) {
      return params;
    }
    String contentType = request.header("content-type");
    if (contentType != null
        && !contentType
            .toLowerCase(java.util.Locale.ROOT)
            .startsWith("application/x-www-form-urlencoded")) {
      throw StripeError.invalid(
          null,
          "Invalid request: unsupported Content-Type "
              + contentType
              + ". If error persists and you need assistance, please contact support@stripe.com.",
          null);
    }
    Map<String, Object> body =
        FormDecoder.decode(new String(request.body(), StandardCharsets.ISO_8859_1));
    body.putAll(params);
    return body;
  }

  /** Same endpoint and parameters, in any order: the idempotency layer's notion of "same". */
  private static String fingerprint(SimRequest request, Params params) {
    return request.method() + " " + request.path() + " " + canonical(params.raw());
  }

  private static Object canonical(Object value) {
    if (value instanceof Map<?, ?> map) {
      TreeMap<String, Object> sorted = new TreeMap<>();
      map.forEach((k, v) -> sorted.put(String.valueOf(k), canonical(v)));
      return sorted;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(Simulator::canonical).toList();
    }
    return value;
  }

  private byte[] errorBody(StripeError error, @Nullable String requestId) {
    return Json.write(
        error.body(
            requestId,
            state.config().mode() == dev.stripeedge.sim.SimMode.LIVE,
            state.clock().epochSeconds()));
  }

  private void count(String endpoint, String outcome) {
    counters.computeIfAbsent(endpoint + " " + outcome, k -> new LongAdder()).increment();
  }

  /** Everything to undo once the response has left, run exactly once. */
  private static final class Releases implements Runnable {
    private final List<Runnable> actions = new ArrayList<>(4);
    private boolean done;

    void add(Runnable action) {
      actions.add(action);
    }

    @Override
    public synchronized void run() {
      if (done) {
        return;
      }
      done = true;
      for (int i = actions.size() - 1; i >= 0; i--) {
        actions.get(i).run();
      }
    }
  }
}
