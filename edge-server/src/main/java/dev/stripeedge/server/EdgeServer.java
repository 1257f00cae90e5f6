package dev.stripeedge.server;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.webhooks.DriftAudit;
import dev.stripeedge.core.webhooks.Reconciler;
import dev.stripeedge.runtime.EdgeRuntime;
import dev.stripeedge.runtime.EdgeSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

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
 *
 * <p>This class is the lifecycle (start the runtime, bind, close in order); {@link Listeners} holds
 * the HTTP listeners, {@link ListenerRoutes} what each answers, and {@link ProxyHandler} the
 * forwarding of a client's request into the pipeline.
 */
public final class EdgeServer implements AutoCloseable {

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

  private final Vertx vertx;
  private final EdgePipeline pipeline;
  private final PrometheusMeterRegistry metrics;
  private final Listeners listeners;
  private final EdgeRuntime runtime;
  // The operator's view: JVM and process meters, readiness that follows upstream.
  private final ProcessMeters processMeters;
  private final Readiness readiness;

  private volatile boolean ready;

  private EdgeServer(EdgeSettings config, Hooks hooks) {
    this.metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.runtime = EdgeRuntime.start(config, metrics, hooks.runtime());
    this.pipeline = runtime.pipeline();
    EdgeRuntime.Time time = runtime.time();
    AccessLog accessLog = new AccessLog(config.accessLog(), time.clock(), time.ticker());
    this.processMeters = new ProcessMeters(metrics);
    this.readiness =
        new Readiness(
            metrics,
            time.ticker(),
            config.upstream(),
            5,
            Duration.ofSeconds(5),
            () -> ready,
            runtime::storeProblem);
    Dashboard dashboard =
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
    // From here on a failure closes what was started: Vert.x, the runtime, the meters.
    try {
      // The runtime's clock for signatures and replays (a test's fake time reaches them too).
      Clock clock = runtime.time().clock();
      WebhookReceiver webhooks =
          new WebhookReceiver(
              vertx,
              config.webhooks(),
              runtime.eventProcessor(),
              metrics,
              clock,
              hooks.beforeIngest(),
              accessLog);
      AdminApi admin =
          new AdminApi(
              vertx,
              pipeline,
              runtime.ledger(),
              runtime.forwarder(),
              runtime.driftAudit(),
              runtime.asyncWrites(),
              clock);
      ProxyHandler proxy =
          new ProxyHandler(
              vertx, runtime.requestPipeline(), runtime.asyncWrites(), config.maxBodyBytes());
      ListenerRoutes routes =
          new ListenerRoutes(
              readiness,
              accessLog,
              proxy,
              webhooks,
              !config.listeners().webhooks().enabled(),
              new AdminAccess(config.listeners().admin()),
              metrics,
              dashboard,
              admin);
      this.listeners = new Listeners(vertx, config, routes);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      vertx.close();
      runtime.close();
      readiness.close();
      processMeters.close();
      throw new IllegalStateException("interrupted while binding", e);
    } catch (RuntimeException e) {
      vertx.close();
      runtime.close();
      readiness.close();
      processMeters.close();
      throw e;
    }
    listeners.started(config);
    this.ready = true;
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
    return listeners.proxyPort();
  }

  /** The admin listener's port: {@code /admin/…} and {@code /metrics}. */
  public int adminPort() {
    return listeners.adminPort();
  }

  /**
   * The webhook listener's port.
   *
   * @throws IllegalStateException the webhook paths are on the proxy listener ({@code
   *     listeners.webhooks.enabled} is false)
   */
  public int webhookPort() {
    if (!listeners.webhookListener()) {
      throw new IllegalStateException("listeners.webhooks is off: webhooks use the proxy port");
    }
    return listeners.webhookPort();
  }

  public EdgePipeline pipeline() {
    return pipeline;
  }

  /** The edge's meters, as {@code /metrics} exposes them. */
  public MeterRegistry metricsRegistry() {
    return metrics;
  }

  @Override
  public void close() {
    ready = false;
    listeners.close();
    vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    // After the listeners: requests in flight may still write through to the tiers.
    runtime.close();
    readiness.close();
    processMeters.close();
    metrics.close();
  }
}
