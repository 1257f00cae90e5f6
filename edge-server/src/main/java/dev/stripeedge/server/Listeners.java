package dev.stripeedge.server;

import static dev.stripeedge.server.HttpAnswers.error;

import dev.stripeedge.runtime.EdgeSettings;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar's HTTP listeners: proxy, admin and (when {@code listeners.webhooks} is on) webhook.
 * Each shares the same limits, has {@link RequestGuard} on every connection, answers malformed
 * requests in Stripe's shape, and may serve TLS from PEM files reloaded when they change. What each
 * listener answers is {@link ListenerRoutes}'.
 */
final class Listeners {

  // Under the server's name: operators' log settings and tests name EdgeServer for these lines.
  private static final Logger log = LoggerFactory.getLogger(EdgeServer.class);
  private static final int MAX_REQUEST_LINE = 16 * 1024;
  private static final int MAX_HEADER_BYTES = 64 * 1024;

  private final Vertx vertx;
  private final HttpServer proxy;
  private final int proxyPort;
  private final HttpServer admin;
  private final int adminPort;
  private final @Nullable HttpServer webhook;
  private final int webhookPort;
  private final ListenerTls tls = new ListenerTls();
  // Its thread starts with the first reload task (started), so a failed bind leaves none behind.
  private final ScheduledExecutorService tlsThread = daemonScheduler("edge-tls-reload");

  /** Creates and binds the listeners; blocks until each listens. */
  Listeners(Vertx vertx, EdgeSettings config, ListenerRoutes routes) throws InterruptedException {
    this.vertx = vertx;
    EdgeSettings.Listeners listeners = config.listeners();
    Duration headerTimeout = config.headerTimeout();
    HttpServerOptions proxyOptions =
        ListenerTls.apply(listenerOptions(config.host(), config.port()), listeners.proxyTls());
    this.proxy = guarded(proxyOptions, headerTimeout, routes::proxy);
    tls.watch("proxy", proxy, proxyOptions, listeners.proxyTls());
    EdgeSettings.Admin adminConfig = listeners.admin();
    HttpServerOptions adminOptions =
        ListenerTls.apply(
            listenerOptions(adminConfig.host(), adminConfig.port()), adminConfig.tls());
    this.admin = guarded(adminOptions, headerTimeout, routes::admin);
    tls.watch("admin", admin, adminOptions, adminConfig.tls());
    EdgeSettings.WebhookListener hooksConfig = listeners.webhooks();
    if (hooksConfig.enabled()) {
      HttpServerOptions hooksOptions =
          ListenerTls.apply(
              listenerOptions(hooksConfig.host(), hooksConfig.port()), hooksConfig.tls());
      this.webhook = guarded(hooksOptions, headerTimeout, routes::webhook);
      tls.watch("webhook", webhook, hooksOptions, hooksConfig.tls());
    } else {
      this.webhook = null;
    }
    this.proxyPort = listen(proxy, config.host(), config.port());
    this.adminPort = listen(admin, adminConfig.host(), adminConfig.port());
    this.webhookPort =
        webhook == null ? -1 : listen(webhook, hooksConfig.host(), hooksConfig.port());
  }

  /**
   * Once bound: starts reloading changed certificates, and warns about each listener reachable
   * beyond loopback without TLS.
   */
  void started(EdgeSettings config) {
    EdgeSettings.Listeners listeners = config.listeners();
    if (tls.any()) {
      tls.start(tlsThread, listeners.tlsReload().toSeconds());
    }
    warnIfExposed("proxy", config.host(), listeners.proxyTls());
    warnIfExposed("admin", listeners.admin().host(), listeners.admin().tls());
    if (webhook != null) {
      warnIfExposed("webhook", listeners.webhooks().host(), listeners.webhooks().tls());
    }
  }

  int proxyPort() {
    return proxyPort;
  }

  int adminPort() {
    return adminPort;
  }

  /** Whether the webhook paths have a listener of their own ({@code listeners.webhooks}). */
  boolean webhookListener() {
    return webhook != null;
  }

  /** The webhook listener's port, or -1 when the webhook paths are on the proxy listener. */
  int webhookPort() {
    return webhookPort;
  }

  /** The options every listener shares: the same limits face every client. */
  private static HttpServerOptions listenerOptions(String host, int port) {
    return new HttpServerOptions()
        .setHost(host)
        .setPort(port)
        .setTcpNoDelay(true)
        .setMaxInitialLineLength(MAX_REQUEST_LINE)
        .setMaxHeaderSize(MAX_HEADER_BYTES)
        .setIdleTimeout(300)
        // No h2c: no Stripe SDK speaks it, an h2c upgrade through a front proxy is a known
        // smuggling path, a scrape larger than HTTP/2's initial window answered on an upgraded
        // stream never completed, and without its prefix sniffing each connection's pipeline is
        // complete (RequestGuard in place) before its first byte is read.
        .setHttp2ClearTextEnabled(false);
  }

  /**
   * A listener whose every connection has {@link RequestGuard} in place, whose refusals are
   * Stripe-shaped, and whose requests go to {@code handler}.
   */
  private HttpServer guarded(
      HttpServerOptions options, Duration headerTimeout, Handler<HttpServerRequest> handler) {
    return vertx
        .createHttpServer(options)
        .connectionHandler(connection -> RequestGuard.install(connection, options, headerTimeout))
        .invalidRequestHandler(Listeners::onInvalidRequest)
        .requestHandler(handler);
  }

  /** Binds {@code server}; blocks until it listens, answering the port it got. */
  private static int listen(HttpServer server, String host, int port) throws InterruptedException {
    try {
      return server
          .listen()
          .toCompletionStage()
          .toCompletableFuture()
          .get(30, TimeUnit.SECONDS)
          .actualPort();
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  /**
   * One WARN line when a listener without TLS is bound beyond loopback: API keys, the admin token
   * and customers' data would cross the network in clear.
   */
  private static void warnIfExposed(String name, String host, EdgeSettings.Tls listenerTls) {
    if (!listenerTls.on() && !AdminAccess.loopbackHost(host)) {
      log.warn(
          "the {} listener on {} is reachable beyond loopback WITHOUT TLS: requests cross the"
              + " network in clear; configure its TLS (docs/security.md) or bind it to 127.0.0.1",
          name,
          host);
    }
  }

  private static ScheduledExecutorService daemonScheduler(String name) {
    return Executors.newSingleThreadScheduledExecutor(
        task -> {
          Thread daemon = new Thread(task, name);
          daemon.setDaemon(true);
          return daemon;
        });
  }

  /**
   * A request the decoder or {@link RequestGuard} refused: answered in Stripe's shape, never by
   * Vert.x's empty default; Vert.x closes the connection after it. One short line at debug level:
   * these are a client's mistakes (or a scanner's noise), not the edge's.
   */
  private static void onInvalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status;
    String message;
    switch (cause) {
      case RequestGuard.Refused refused -> {
        status = refused.status();
        message = Objects.requireNonNullElse(refused.getMessage(), "Malformed HTTP request.");
        if (refused.allow() != null) {
          request.response().putHeader("Allow", refused.allow());
        }
      }
      case TooLongHttpLineException tooLong -> {
        status = 414;
        message =
            "Request line too long: stripe-edge accepts at most " + MAX_REQUEST_LINE + " bytes.";
      }
      case TooLongHttpHeaderException tooLong -> {
        status = 431;
        message =
            "Request headers too large: stripe-edge accepts at most "
                + MAX_HEADER_BYTES
                + " bytes.";
      }
      case null, default -> {
        status = 400;
        message = "Malformed HTTP request.";
      }
    }
    log.debug("refused a malformed request: {} {}", status, message);
    error(request.response(), status, "invalid_request_error", null, message);
  }

  /** Stops reloading certificates and closes the listeners (requests in flight finish first). */
  void close() {
    tlsThread.shutdownNow();
    for (HttpServer listener : new HttpServer[] {proxy, admin, webhook}) {
      if (listener == null) {
        continue;
      }
      try {
        listener.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        log.warn("server did not close cleanly: {}", e.toString());
      }
    }
  }
}
