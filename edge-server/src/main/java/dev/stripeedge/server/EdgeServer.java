package dev.stripeedge.server;

import static dev.stripeedge.server.HttpAnswers.error;
import static dev.stripeedge.server.HttpAnswers.plain;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.queue.AsyncWrites;
import dev.stripeedge.core.webhooks.DriftAudit;
import dev.stripeedge.core.webhooks.Reconciler;
import dev.stripeedge.runtime.EdgeRuntime;
import dev.stripeedge.runtime.EdgeSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.buffer.BufferInternal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar: any Stripe client points its API base here and gets the edge pipeline.
 *
 * <p>{@code /v1/…} and {@code /v2/…} go through the {@link EdgePipeline} (a write with {@code
 * Prefer: respond-async} through the durable queue first, answered 202; its status at {@code
 * /edge/writes/{id}}); {@code /healthz} and {@code /readyz} are the edge's own on every listener.
 * {@code /metrics} (Prometheus) and {@code /admin/…} are served on the admin listener only
 * (loopback by default; Host and Origin must name it, state changes need {@code
 * STRIPE_EDGE_ADMIN_TOKEN}), and the webhook receiver on the proxy listener or its own ({@code
 * listeners.webhooks}); each listener may serve TLS from PEM files, reloaded when they change. The
 * webhook receiver ({@code POST /webhooks/stripe} by default, plus any {@code webhooks.endpoints}
 * such as a Connect endpoint, each verified with its own secrets: verified, recorded in the SQLite
 * ledger before the 2xx, then applied to the cache, and applied again at startup and every 5 s
 * until every tier acknowledged it; 503 while no signing secret is configured). With a
 * reconciliation key, a background thread repairs dropped deliveries from {@code /v1/events}, and
 * another audits a sample of cached retrieves against Stripe ({@code /admin/drift}). With {@code
 * webhooks.forward} targets, each new event is queued in the same SQLite transaction as its ledger
 * record and forwarded, re-signed, by a background thread; {@code /admin/webhooks/dead} lists and
 * replays the deliveries given up on (never a Stripe path: clients only use {@code /v1/} and {@code
 * /v2/}); {@code /admin/sizing} estimates the memory 90/95/99% hit ratios need. Below the in-memory
 * cache, the SQLite tier in the same file (on by default) keeps cached responses across restarts,
 * under cache keys derived from a secret kept in that file too. Keep-alive in, pooled connections
 * up. Bodies over the configured limit get a Stripe-shaped 413 without being buffered; nothing
 * reaches a client as a stack trace. Thread-safe; {@link #close} stops it.
 */
public final class EdgeServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EdgeServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_REQUEST_LINE = 16 * 1024;
  private static final int MAX_HEADER_BYTES = 64 * 1024;

  /**
   * Test hooks, never set by configuration: the runtime's (a kill test wraps a tier or the workers'
   * pipeline) and the HTTP layer's own, so a SIGKILL lands at a known point.
   *
   * @param runtime the runtime's hooks
   * @param beforeIngest runs on the worker thread of each webhook delivery, before verification
   */
  record Hooks(EdgeRuntime.Hooks runtime, Runnable beforeIngest) {
    static final Hooks NONE = new Hooks(EdgeRuntime.Hooks.NONE, () -> {});
  }

  static {
    // Vert.x's switch covers both directions. Requests are checked by RequestGuard (one pass over
    // the head, stricter: no non-ASCII values); the headers we write come from Stripe through the
    // JDK client, which validated them, so checking them again costs the hit path for nothing.
    // Read once when Vert.x loads; an explicit -D setting wins.
    if (System.getProperty("vertx.disableHttpHeadersValidation") == null) {
      System.setProperty("vertx.disableHttpHeadersValidation", "true");
    }
  }

  /** Hop-by-hop headers (RFC 9110 §7.6.1) and those the server sets itself. */
  private static final Set<String> NOT_FORWARDED =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "proxy-authenticate",
          "proxy-authorization",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "content-length",
          "host");

  private final Vertx vertx;
  private final EdgePipeline pipeline;
  // What clients' requests enter: the pipeline behind the asynchronous-write front when it is on.
  private final EdgePipeline requestPipeline;
  private final PrometheusMeterRegistry metrics;
  private final int maxBodyBytes;
  private final HttpServer server;
  private final int port;
  private final HttpServer adminServer;
  private final int adminPort;
  private final @Nullable HttpServer webhookServer;
  private final int webhookPort;
  private final AdminAccess adminAccess;
  private final ListenerTls tls = new ListenerTls();
  private final ScheduledExecutorService tlsThread;

  private final EdgeRuntime runtime;
  private final WebhookReceiver webhooks;
  private final AdminApi admin;
  private final AccessLog accessLog;
  // The operator's view: JVM and process meters, readiness that follows upstream.
  private final ProcessMeters processMeters;
  private final Readiness readiness;
  private final Dashboard dashboard;

  private volatile boolean ready;

  private EdgeServer(EdgeSettings config, Hooks hooks) {
    this.metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.runtime = EdgeRuntime.start(config, metrics, hooks.runtime());
    this.pipeline = runtime.pipeline();
    this.requestPipeline = runtime.requestPipeline();
    this.maxBodyBytes = config.maxBodyBytes();
    EdgeRuntime.Time time = runtime.time();
    this.accessLog = new AccessLog(config.accessLog(), time.clock(), time.ticker());
    this.processMeters = new ProcessMeters(metrics);
    this.readiness =
        new Readiness(
            metrics, time.ticker(), config.upstream(), 5, Duration.ofSeconds(5), () -> ready);
    this.dashboard =
        new Dashboard(
            metrics,
            pipeline,
            config.budget().enabled() ? config.budget().limits().globalRate() : 0,
            readiness::check);
    this.vertx =
        Vertx.vertx(
            new VertxOptions()
                .setEventLoopPoolSize(Math.max(2, Runtime.getRuntime().availableProcessors()))
                .setBlockedThreadCheckInterval(10)
                .setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
    EdgeSettings.Listeners listeners = config.listeners();
    this.tlsThread = daemonScheduler("edge-tls-reload");
    Duration headerTimeout = config.headerTimeout();
    // From here on a failure closes what was started: Vert.x, the reload thread, the runtime.
    try {
      // The runtime's clock for signatures and replays (a test's fake time reaches them too).
      Clock clock = runtime.time().clock();
      this.webhooks =
          new WebhookReceiver(
              vertx,
              config.webhooks(),
              runtime.eventProcessor(),
              metrics,
              clock,
              hooks.beforeIngest(),
              accessLog);
      this.admin =
          new AdminApi(
              vertx,
              pipeline,
              runtime.ledger(),
              runtime.forwarder(),
              runtime.driftAudit(),
              runtime.asyncWrites(),
              clock);
      this.adminAccess = new AdminAccess(listeners.admin());
      HttpServerOptions proxyOptions =
          ListenerTls.apply(listenerOptions(config.host(), config.port()), listeners.proxyTls());
      this.server = guarded(proxyOptions, headerTimeout, this::onRequest);
      tls.watch("proxy", server, proxyOptions, listeners.proxyTls());
      EdgeSettings.Admin adminConfig = listeners.admin();
      HttpServerOptions adminOptions =
          ListenerTls.apply(
              listenerOptions(adminConfig.host(), adminConfig.port()), adminConfig.tls());
      this.adminServer = guarded(adminOptions, headerTimeout, this::onAdminRequest);
      tls.watch("admin", adminServer, adminOptions, adminConfig.tls());
      EdgeSettings.WebhookListener hooksConfig = listeners.webhooks();
      if (hooksConfig.enabled()) {
        HttpServerOptions hooksOptions =
            ListenerTls.apply(
                listenerOptions(hooksConfig.host(), hooksConfig.port()), hooksConfig.tls());
        this.webhookServer = guarded(hooksOptions, headerTimeout, this::onWebhookRequest);
        tls.watch("webhook", webhookServer, hooksOptions, hooksConfig.tls());
      } else {
        this.webhookServer = null;
      }
      this.port = listen(server, config.host(), config.port());
      this.adminPort = listen(adminServer, adminConfig.host(), adminConfig.port());
      this.webhookPort =
          webhookServer == null
              ? -1
              : listen(webhookServer, hooksConfig.host(), hooksConfig.port());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      tlsThread.shutdownNow();
      vertx.close();
      runtime.close();
      readiness.close();
      processMeters.close();
      throw new IllegalStateException("interrupted while binding", e);
    } catch (RuntimeException e) {
      tlsThread.shutdownNow();
      vertx.close();
      runtime.close();
      readiness.close();
      processMeters.close();
      throw e;
    }
    if (tls.any()) {
      tls.start(tlsThread, listeners.tlsReload().toSeconds());
    }
    warnIfExposed("proxy", config.host(), listeners.proxyTls());
    warnIfExposed("admin", listeners.admin().host(), listeners.admin().tls());
    if (webhookServer != null) {
      warnIfExposed("webhook", listeners.webhooks().host(), listeners.webhooks().tls());
    }
    this.ready = true;
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
        .invalidRequestHandler(EdgeServer::onInvalidRequest)
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
   * Runs one drift audit now, on the calling thread (blocking).
   *
   * @throws IllegalStateException the audit is off (no {@code reconcile.apiKey}, or {@code
   *     reconcile.driftSample} 0)
   */
  public DriftAudit.Report auditDriftNow() {
    return runtime.auditDriftNow();
  }

  /**
   * Runs one reconciliation pass now, on the calling thread (blocking).
   *
   * @throws IllegalStateException no reconciliation key is configured, or the pass failed
   */
  public Reconciler.Pass reconcileNow() {
    return runtime.reconcileNow();
  }

  /** What this server serves: pipeline, tiers, budget, ledger and background jobs. */
  public EdgeRuntime runtime() {
    return runtime;
  }

  /** Starts the sidecar; blocks until it listens. */
  public static EdgeServer start(EdgeSettings config) {
    return new EdgeServer(config, Hooks.NONE);
  }

  /** Starts the sidecar with test hooks. */
  static EdgeServer start(EdgeSettings config, Hooks hooks) {
    return new EdgeServer(config, hooks);
  }

  public int port() {
    return port;
  }

  /** The admin listener's port: {@code /admin/…} and {@code /metrics}. */
  public int adminPort() {
    return adminPort;
  }

  /**
   * The webhook listener's port.
   *
   * @throws IllegalStateException the webhook paths are on the proxy listener ({@code
   *     listeners.webhooks.enabled} is false)
   */
  public int webhookPort() {
    if (webhookServer == null) {
      throw new IllegalStateException("listeners.webhooks is off: webhooks use the proxy port");
    }
    return webhookPort;
  }

  public EdgePipeline pipeline() {
    return pipeline;
  }

  /** The edge's meters, as {@code /metrics} exposes them. */
  public MeterRegistry metricsRegistry() {
    return metrics;
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

  /** The request's path; empty (no route matches it) when Vert.x found none in the target. */
  private static String pathOf(HttpServerRequest request) {
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

  /**
   * The admin listener: {@code /metrics} and {@code /admin/…} for callers naming this listener,
   * state changes with the token only ({@link AdminAccess}).
   */
  private void onAdminRequest(HttpServerRequest request) {
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
  private void onWebhookRequest(HttpServerRequest request) {
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

  private void onRequest(HttpServerRequest request) {
    String path = pathOf(request);
    if (health(request, path)) {
      return;
    }
    boolean webhook = webhookServer == null && webhooks.handles(path);
    AccessLog.Pending line = accessLog.begin(request, webhook);
    // With a webhook listener, the webhook paths are served there only.
    if (webhook) {
      webhooks.handle(request, path);
      return;
    }
    if (path.startsWith(AsyncWrites.STATUS_PATH)) {
      writeStatus(request, path.substring(AsyncWrites.STATUS_PATH.length()));
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
    String length = request.getHeader("content-length");
    if (length != null && tooLong(length)) {
      tooLarge(request);
      return;
    }
    Buffer body = Buffer.buffer();
    request.handler(
        chunk -> {
          if (body.length() + chunk.length() > maxBodyBytes) {
            if (!request.response().headWritten()) {
              tooLarge(request);
            }
            return;
          }
          body.appendBuffer(chunk);
        });
    request.endHandler(
        done -> {
          if (!request.response().headWritten() && !request.response().ended()) {
            forward(request, body.getBytes(), line);
          }
        });
  }

  private void forward(HttpServerRequest request, byte[] body, AccessLog.Pending line) {
    Context context = vertx.getOrCreateContext();
    String query = request.query();
    EdgeRequest edgeRequest =
        EdgeRequest.fromHeaderPairs(
            request.method().name(),
            pathOf(request),
            query == null ? "" : query,
            headers(request.headers()),
            body);
    requestPipeline
        .handle(edgeRequest)
        .whenComplete(
            (response, failure) -> {
              line.answered(edgeRequest, response);
              if (Vertx.currentContext() == context) {
                respond(request.response(), response, failure);
              } else {
                context.runOnContext(v -> respond(request.response(), response, failure));
              }
            });
  }

  /**
   * {@code GET /edge/writes/{id}}: an asynchronous write's status, for the API key that sent it
   * (another key, or no such write: 404).
   */
  private void writeStatus(HttpServerRequest request, String id) {
    AsyncWrites writes = runtime.asyncWrites();
    if (writes == null || request.method() != HttpMethod.GET) {
      error(
          request.response(),
          writes == null ? 404 : 405,
          "invalid_request_error",
          null,
          writes == null
              ? "Asynchronous writes are off on this edge."
              : "Use GET on " + AsyncWrites.STATUS_PATH + "{id}.");
      return;
    }
    String authorization = request.getHeader("authorization");
    HttpAnswers.offLoop(
        vertx,
        request,
        () -> writes.status(id, authorization),
        "The edge could not read the write's status.",
        (out, answer) -> respond(out, answer, null));
  }

  private static void respond(
      HttpServerResponse out, @Nullable EdgeResponse response, @Nullable Throwable failure) {
    if (out.closed()) {
      return;
    }
    if (failure != null || response == null) {
      log.error("pipeline failed", failure);
      error(
          out,
          502,
          "api_error",
          "api_connection_error",
          "The edge could not complete the request.");
      return;
    }
    out.setStatusCode(response.status());
    MultiMap headers = out.headers();
    response
        .headers()
        .forEach(
            (name, values) -> {
              if (NOT_FORWARDED.contains(name)) {
                return;
              }
              if (values.size() == 1) {
                headers.add(name, values.get(0));
              } else {
                headers.add(name, values);
              }
            });
    // Wrap, don't copy: cached bodies are immutable and shared.
    out.end(BufferInternal.buffer(Unpooled.wrappedBuffer(response.body())));
  }

  /** The request's headers without hop-by-hop ones. */
  private static List<Map.Entry<String, String>> headers(MultiMap in) {
    List<Map.Entry<String, String>> kept = new ArrayList<>(in.size());
    for (Map.Entry<String, String> header : in) {
      if (!NOT_FORWARDED.contains(header.getKey().toLowerCase(Locale.ROOT))) {
        kept.add(header);
      }
    }
    return kept;
  }

  private boolean tooLong(String contentLength) {
    try {
      return Long.parseLong(contentLength.strip()) > maxBodyBytes;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private void tooLarge(HttpServerRequest request) {
    boolean http1 = request.version() != HttpVersion.HTTP_2;
    if (http1) {
      // Stop the client sending the rest; HTTP/2 forbids the header (the stream is reset instead).
      request.response().putHeader("Connection", "close");
    }
    error(
        request.response(),
        413,
        "invalid_request_error",
        null,
        "Request body too large: stripe-edge accepts at most " + maxBodyBytes + " bytes.");
    if (http1) {
      // Vert.x keeps the connection open whatever the header says; the unread rest of the body
      // must not be read as a next request.
      RequestGuard.closeAfterAnswer(request.connection());
    }
  }

  @Override
  public void close() {
    ready = false;
    tlsThread.shutdownNow();
    for (HttpServer listener : new HttpServer[] {server, adminServer, webhookServer}) {
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
    vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    // After the listeners: requests in flight may still write through to the tiers.
    runtime.close();
    readiness.close();
    processMeters.close();
    metrics.close();
  }
}
