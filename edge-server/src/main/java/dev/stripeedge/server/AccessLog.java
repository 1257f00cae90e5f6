package dev.stripeedge.server;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.SecretRedactor;
import dev.stripeedge.core.StripeRoutes;
import dev.stripeedge.core.Ticker;
import dev.stripeedge.core.budget.LaneRule;
import dev.stripeedge.runtime.EdgeSettings;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's lines: one per request on {@code stripe.edge.access} (nginx-like {@code
 * key=value}, or JSON), and one per operator event on {@code stripe.edge.events} (an upstream
 * failure as the client saw it, retries exhausted, a webhook refused). Every line holds the route
 * template (never the path: ids and query strings stay out), and values the edge chose or checked;
 * client-chosen values (request id, idempotency key) are cut to a safe alphabet and length, and
 * pass through {@link SecretRedactor} as well as the logback converter. Each logger is capped at
 * {@code maxLinesPerSecond}: a flood of requests is counted, not written. Thread-safe.
 */
final class AccessLog {

  static final Logger ACCESS = LoggerFactory.getLogger("stripe.edge.access");
  static final Logger EVENTS = LoggerFactory.getLogger("stripe.edge.events");
  private static final LaneRule LANES = LaneRule.stripe();
  private static final int MAX_CLIENT_VALUE = 64;
  private static final String OTHER = StripeRoutes.OTHER;

  private final EdgeSettings.AccessLog config;
  private final Ticker ticker;
  private final Clock clock;
  private final RateCap accessCap;
  private final RateCap eventCap;

  AccessLog(EdgeSettings.AccessLog config, Clock clock, Ticker ticker) {
    this.config = config;
    this.clock = clock;
    this.ticker = ticker;
    this.accessCap = new RateCap(config.maxLinesPerSecond(), ticker);
    this.eventCap = new RateCap(config.maxLinesPerSecond(), ticker);
  }

  /**
   * Starts the line of {@code http}: written when its answer ends (a connection closed before that
   * writes none).
   *
   * @param namedPath a path of the edge's own ({@code /webhooks/stripe}) written as it is; any
   *     other path outside {@code /v1/} and {@code /v2/} is written {@code other}
   */
  Pending begin(HttpServerRequest http, boolean namedPath) {
    Pending pending = new Pending();
    long started = ticker.nanos();
    String path = http.path() == null ? "" : http.path();
    String method = http.method().name();
    String remote = http.remoteAddress() == null ? "-" : http.remoteAddress().hostAddress();
    String key = http.getHeader("idempotency-key");
    HttpServerResponse out = http.response();
    out.endHandler(
        done ->
            request(
                remote,
                method,
                namedPath || path.startsWith("/v1/") || path.startsWith("/v2/") ? path : OTHER,
                key,
                pending.request,
                pending.response,
                out.getStatusCode(),
                started));
    return pending;
  }

  /** What the pipeline answered for one request, filled in before the answer is written. */
  static final class Pending {
    private volatile @Nullable EdgeRequest request;
    private volatile @Nullable EdgeResponse response;

    void answered(EdgeRequest sent, @Nullable EdgeResponse answer) {
      this.request = sent;
      this.response = answer;
    }
  }

  /**
   * One answered request.
   *
   * @param request what the client sent (its path only classified, never written)
   * @param response the pipeline's answer, or null when the edge answered itself (404, 413, …)
   * @param status the status sent
   * @param started {@link #start()} when the request arrived
   */
  void request(
      String remote,
      String method,
      String path,
      @Nullable String idempotencyKey,
      @Nullable EdgeRequest request,
      @Nullable EdgeResponse response,
      int status,
      long started) {
    // Most answers at a high rate write no line (the cap) and raise no event (a success), so the
    // entry is built only when one of the two will use it: building it costs more than the hit.
    long dropped = config.enabled() && ACCESS.isInfoEnabled() ? accessCap.take() : -1;
    boolean mayRaiseEvent = response != null && request != null && (status == 429 || status >= 500);
    if (dropped < 0 && !mayRaiseEvent) {
      return;
    }
    Route route = StripeRoutes.classify(path);
    Entry entry =
        new Entry(
            clock.instant().truncatedTo(ChronoUnit.MILLIS).toString(),
            remote,
            StripeRoutes.methodLabel(method),
            path.startsWith("/v1/") || path.startsWith("/v2/") ? StripeRoutes.label(route) : path,
            status,
            (ticker.nanos() - started) / 1_000_000.0,
            response == null ? "-" : cacheOutcome(response.header("cache-status")),
            request == null ? "-" : LANES.decide(request, route).tag(),
            response == null ? null : timing(response.header("server-timing"), "upstream"),
            response == null ? 0 : attempts(response),
            response == null ? null : clientValue(response.header("request-id")),
            clientValue(idempotencyKey));
    if (dropped >= 0) {
      if (dropped > 0) {
        EVENTS.warn(
            "{} access-log lines dropped: more than accessLog.maxLinesPerSecond ({})",
            dropped,
            config.maxLinesPerSecond());
      }
      ACCESS.info(config.json() ? entry.json() : entry.text());
    }
    if (mayRaiseEvent && response != null) {
      upstreamEvents(entry, response);
    }
  }

  /** An event line (WARN), under the events' cap. */
  void event(String message, Object... args) {
    long dropped = eventCap.take();
    if (dropped < 0) {
      return;
    }
    if (dropped > 0) {
      EVENTS.warn(
          "{} event lines dropped: more than accessLog.maxLinesPerSecond ({})",
          dropped,
          config.maxLinesPerSecond());
    }
    EVENTS.warn(message, args);
  }

  /** Upstream failing for this request (the edge's own 502/504), or retries given up on. */
  private void upstreamEvents(Entry entry, EdgeResponse response) {
    String cacheStatus = response.header("cache-status");
    boolean edgeFailure =
        (entry.status() == 502 || entry.status() == 504)
            && entry.requestId() == null
            && (cacheStatus == null || !cacheStatus.contains("fwd-status="));
    if (edgeFailure && entry.attempts() > 0) {
      event(
          "upstream failed: {} {} answered {} by the edge after {} attempt(s)",
          entry.method(),
          entry.route(),
          entry.status(),
          entry.attempts());
    } else if (entry.attempts() > 1 && (entry.status() == 429 || entry.status() >= 500)) {
      event(
          "retries exhausted: {} {} answered {} after {} attempts (request id {})",
          entry.method(),
          entry.route(),
          entry.status(),
          entry.attempts(),
          entry.requestId() == null ? "-" : entry.requestId());
    }
  }

  /** The RFC 9211 {@code Cache-Status} as a short outcome, one of a fixed set. */
  static String cacheOutcome(@Nullable String cacheStatus) {
    if (cacheStatus == null) {
      return "-";
    }
    if (cacheStatus.contains("stale")) {
      return "stale";
    }
    if (cacheStatus.contains("; hit; detail=")) {
      return "tier";
    }
    if (cacheStatus.contains("; hit")) {
      return "hit";
    }
    if (cacheStatus.contains("collapsed")) {
      return "collapsed";
    }
    if (cacheStatus.contains("fwd=miss")) {
      return "miss";
    }
    if (cacheStatus.contains("fwd=bypass")) {
      return "bypass";
    }
    return "-";
  }

  /** The {@code dur} of metric {@code name} in a {@code Server-Timing} value, or null. */
  static @Nullable Double timing(@Nullable String serverTiming, String name) {
    if (serverTiming == null) {
      return null;
    }
    for (String metric : serverTiming.split(",")) {
      String[] parts = metric.strip().split(";");
      if (parts[0].equals(name)) {
        for (String part : parts) {
          if (part.startsWith("dur=")) {
            try {
              return Double.parseDouble(part.substring(4));
            } catch (NumberFormatException e) {
              return null;
            }
          }
        }
      }
    }
    return null;
  }

  /** Upstream attempts: 0 when upstream was not asked, else retries + 1. */
  static int attempts(EdgeResponse response) {
    String serverTiming = response.header("server-timing");
    if (serverTiming == null || !serverTiming.contains("upstream;")) {
      return 0;
    }
    int at = serverTiming.indexOf("retries;desc=\"");
    if (at < 0) {
      return 1;
    }
    int from = at + "retries;desc=\"".length();
    int to = serverTiming.indexOf('"', from);
    try {
      return Integer.parseInt(serverTiming.substring(from, to)) + 1;
    } catch (RuntimeException e) {
      return 1;
    }
  }

  /**
   * A value the client (or upstream) chose, safe in a line: letters, digits and {@code _-.:} only,
   * at most 64 characters, redacted if it looks like a secret; null for none.
   */
  static @Nullable String clientValue(@Nullable String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    StringBuilder safe = new StringBuilder(Math.min(value.length(), MAX_CLIENT_VALUE));
    for (int i = 0; i < value.length() && safe.length() < MAX_CLIENT_VALUE; i++) {
      char c = value.charAt(i);
      boolean allowed =
          c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.' || c == ':');
      safe.append(allowed ? c : '?');
    }
    return SecretRedactor.redact(safe.toString());
  }

  /** One request's line. */
  record Entry(
      String time,
      String remote,
      String method,
      String route,
      int status,
      double millis,
      String cache,
      String lane,
      @Nullable Double upstreamMillis,
      int attempts,
      @Nullable String requestId,
      @Nullable String idempotencyKey) {

    /** {@code 2026-…Z 127.0.0.1 "GET /v1/customers/{id}" 200 1.234ms cache=hit lane=normal …}. */
    String text() {
      return time
          + ' '
          + remote
          + " \""
          + method
          + ' '
          + route
          + "\" "
          + status
          + ' '
          + String.format(Locale.ROOT, "%.3f", millis)
          + "ms cache="
          + cache
          + " lane="
          + lane
          + " upstream_ms="
          + (upstreamMillis == null ? "-" : String.format(Locale.ROOT, "%.3f", upstreamMillis))
          + " attempts="
          + attempts
          + " request_id="
          + (requestId == null ? "-" : requestId)
          + " idempotency_key="
          + (idempotencyKey == null ? "-" : idempotencyKey);
    }

    /** The same fields as one JSON object. */
    String json() {
      Map<String, @Nullable Object> fields = new LinkedHashMap<>();
      fields.put("time", time);
      fields.put("remote", remote);
      fields.put("method", method);
      fields.put("route", route);
      fields.put("status", status);
      fields.put("ms", Math.round(millis * 1000) / 1000.0);
      fields.put("cache", cache);
      fields.put("lane", lane);
      fields.put(
          "upstream_ms",
          upstreamMillis == null ? null : Math.round(upstreamMillis * 1000) / 1000.0);
      fields.put("attempts", attempts);
      fields.put("request_id", requestId);
      fields.put("idempotency_key", idempotencyKey);
      StringBuilder out = new StringBuilder(256).append('{');
      fields.forEach(
          (name, value) -> {
            if (out.length() > 1) {
              out.append(',');
            }
            out.append('"').append(name).append("\":");
            if (value == null) {
              out.append("null");
            } else if (value instanceof String text) {
              // Every string here is from a safe alphabet or a route template: quotes and
              // backslashes cannot occur but are escaped all the same.
              out.append('"').append(text.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            } else {
              out.append(value);
            }
          });
      return out.append('}').toString();
    }
  }

  /**
   * A token bucket of {@code perSecond} lines, refilled continuously. {@link #take} answers -1 when
   * the line must be dropped, else how many were dropped since the last line written.
   */
  static final class RateCap {
    private final int perSecond;
    private final Ticker ticker;
    private double tokens;
    private long last;
    private long dropped;
    private long lastReport;

    RateCap(int perSecond, Ticker ticker) {
      this.perSecond = perSecond;
      this.ticker = ticker;
      this.tokens = perSecond;
      this.last = ticker.nanos();
      this.lastReport = last - 1_000_000_000L;
    }

    synchronized long take() {
      long now = ticker.nanos();
      tokens = Math.min(perSecond, tokens + (now - last) * perSecond / 1e9);
      last = now;
      if (tokens < 1) {
        dropped++;
        return -1;
      }
      tokens -= 1;
      // Under a sustained flood a token frees every 1/perSecond s: reporting the drops with each
      // would add a line per line written. The count waits for a second since the last report.
      if (dropped == 0 || now - lastReport < 1_000_000_000L) {
        return 0;
      }
      long report = dropped;
      dropped = 0;
      lastReport = now;
      return report;
    }
  }
}
