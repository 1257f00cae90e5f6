package dev.stripeedge.server;

import static dev.stripeedge.server.HttpAnswers.error;
import static dev.stripeedge.server.HttpAnswers.plain;

import dev.stripeedge.core.queue.AsyncWrites;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.http.HttpServerRequest;

/**
 * What each listener answers. Every listener: {@code /healthz} and {@code /readyz}. The proxy
 * listener: {@code /v1/…} and {@code /v2/…} to the {@link ProxyHandler}, {@code /edge/writes/{id}},
 * and the webhook paths unless they have a listener of their own. The admin listener: {@code
 * /metrics}, the dashboard and {@code /admin/…}, for callers that pass {@link AdminAccess}. The
 * webhook listener: the webhook paths only, nothing else faces the internet.
 */
final class ListenerRoutes {

  private final Readiness readiness;
  private final AccessLog accessLog;
  private final ProxyHandler proxy;
  private final WebhookReceiver webhooks;
  // With a webhook listener, the webhook paths are served there only.
  private final boolean webhooksOnProxy;
  private final AdminAccess adminAccess;
  private final PrometheusMeterRegistry metrics;
  private final Dashboard dashboard;
  private final AdminApi admin;

  ListenerRoutes(
      Readiness readiness,
      AccessLog accessLog,
      ProxyHandler proxy,
      WebhookReceiver webhooks,
      boolean webhooksOnProxy,
      AdminAccess adminAccess,
      PrometheusMeterRegistry metrics,
      Dashboard dashboard,
      AdminApi admin) {
    this.readiness = readiness;
    this.accessLog = accessLog;
    this.proxy = proxy;
    this.webhooks = webhooks;
    this.webhooksOnProxy = webhooksOnProxy;
    this.adminAccess = adminAccess;
    this.metrics = metrics;
    this.dashboard = dashboard;
    this.admin = admin;
  }

  /** The request's path; empty (no route matches it) when Vert.x found none in the target. */
  static String pathOf(HttpServerRequest request) {
    String path = request.path();
    return path == null ? "" : path;
  }

  /** {@code /healthz} and {@code /readyz}, on every listener (load balancers probe any of them). */
  private boolean health(HttpServerRequest request, String path) {
    switch (path) {
      case "/healthz" -> {
        plain(request.response(), 200, "ok\n");
        return true;
      }
      case "/readyz" -> {
        Readiness.State state = readiness.check();
        plain(request.response(), state.ready() ? 200 : 503, state.reason() + "\n");
        return true;
      }
      default -> {
        return false;
      }
    }
  }

  /** The proxy listener. */
  void proxy(HttpServerRequest request) {
    String path = pathOf(request);
    if (health(request, path)) {
      return;
    }
    boolean webhook = webhooksOnProxy && webhooks.handles(path);
    AccessLog.Pending line = accessLog.begin(request, webhook);
    if (webhook) {
      webhooks.handle(request, path);
      return;
    }
    if (path.startsWith(AsyncWrites.STATUS_PATH)) {
      proxy.writeStatus(request, path.substring(AsyncWrites.STATUS_PATH.length()));
      return;
    }
    if (!path.startsWith("/v1/") && !path.startsWith("/v2/")) {
      error(
          request.response(),
          404,
          "invalid_request_error",
          null,
          "Unrecognized request URL ("
              + request.method()
              + ": "
              + path
              + "). stripe-edge forwards /v1/ and /v2/ to Stripe.");
      return;
    }
    proxy.receive(request, line);
  }

  /**
   * The admin listener: {@code /metrics} and {@code /admin/…} for callers naming this listener,
   * state changes with the token only ({@link AdminAccess}).
   */
  void admin(HttpServerRequest request) {
    String path = pathOf(request);
    if (health(request, path)) {
      return;
    }
    String authority = request.getHeader("host");
    if (authority == null && request.authority() != null) {
      // HTTP/2 carries it as :authority.
      String host = request.authority().host();
      int authorityPort = request.authority().port();
      authority =
          (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host)
              + (authorityPort >= 0 ? ":" + authorityPort : "");
    }
    AdminAccess.Refusal refusal =
        adminAccess.check(
            request.method().name(),
            authority,
            request.getHeader("origin"),
            request.getHeader("authorization"),
            request.localAddress().port(),
            request.isSSL());
    if (refusal != null) {
      if (refusal.challenge() != null) {
        request.response().putHeader("WWW-Authenticate", refusal.challenge());
      }
      error(request.response(), refusal.status(), "invalid_request_error", null, refusal.message());
      return;
    }
    if (path.equals("/metrics")) {
      request
          .response()
          .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
          .end(metrics.scrape());
      return;
    }
    if (dashboard.handles(path)) {
      dashboard.handle(request, path);
      return;
    }
    if (path.startsWith("/admin/")) {
      admin.handle(request, path);
      return;
    }
    error(
        request.response(),
        404,
        "invalid_request_error",
        null,
        "Unrecognized admin URL: the admin listener serves /admin/, /metrics, /healthz, /readyz.");
  }

  /** The webhook listener: the webhook paths and health only, nothing else faces the internet. */
  void webhook(HttpServerRequest request) {
    String path = pathOf(request);
    if (health(request, path)) {
      return;
    }
    if (webhooks.handles(path)) {
      accessLog.begin(request, true);
      webhooks.handle(request, path);
      return;
    }
    accessLog.begin(request, false);
    error(
        request.response(),
        404,
        "invalid_request_error",
        null,
        "Unrecognized request URL: this listener receives Stripe's webhooks only.");
  }
}
