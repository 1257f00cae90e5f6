package dev.stripeedge.runtime;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.SizingConfig;
import dev.stripeedge.core.StreamHealth;
import dev.stripeedge.core.SystemTime;
import dev.stripeedge.core.Ticker;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.core.queue.AsyncWriteConfig;
import dev.stripeedge.core.queue.AsyncWrites;
import dev.stripeedge.core.queue.CredentialSeal;
import dev.stripeedge.core.queue.SharedStatusQueue;
import dev.stripeedge.core.queue.WorkQueue;
import dev.stripeedge.core.queue.WriteStatusBoard;
import dev.stripeedge.core.spi.StoreContext;
import dev.stripeedge.core.spi.TierBackend;
import dev.stripeedge.core.spi.WorkQueueBackend;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.webhooks.DriftAudit;
import dev.stripeedge.core.webhooks.EventProcessor;
import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.core.webhooks.Reconciler;
import dev.stripeedge.core.webhooks.WebhookForwarder;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the edge is, apart from how it is reached: the pipeline with its tiers and budget, the
 * webhook ledger and its journal, the forwarder, the reconciler and the drift audit, built from one
 * {@link EdgeSettings}. The sidecar serves it over HTTP; the in-process adapter and the CLI use it
 * directly — so an application that embeds the edge gets the same tiers, budget and webhook
 * ingestion as the sidecar.
 *
 * <p>Start order, each step needing the one before: the cache-key secret, the tiers and the shared
 * budget, then the pipeline; the ledger, then its journal re-applied (what a previous process
 * acknowledged but may not have applied is invalidated again before anything is served); the
 * forwarder before the event processor that wakes it; the reconciler and drift audit last. {@link
 * #close} undoes it in reverse, and so does a start that fails half way: nothing opened is left
 * behind.
 *
 * <p>Thread-safe. Background jobs run on daemon threads of their own, so a slow reconciliation pass
 * never delays the journal or the forwarder. The webhook side is {@link WebhookJobs}; the stores
 * are opened through {@link Stores}, and closed by {@link Lifecycle}.
 */
public final class EdgeRuntime implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EdgeRuntime.class);

  /**
   * How often unapplied events are applied again, and how old they must be (younger ones are still
   * being applied by their own delivery).
   */
  private static final Duration JOURNAL_SWEEP = Duration.ofSeconds(5);

  /**
   * Test hooks, never set by configuration: a kill test wraps the SQLite tier (to hold its
   * invalidations) or shortens the journal's sweep, so a SIGKILL lands at a known point.
   *
   * @param wrapTier applied to each tier before the pipeline sees it
   * @param journalSweep how often (and past what age) unapplied events are applied again
   * @param wrapWorkerPipeline applied to the pipeline the asynchronous-write workers call (a kill
   *     test holds answers there: Stripe applied the write, the edge never records it)
   */
  public record Hooks(
      UnaryOperator<CacheTier> wrapTier,
      Duration journalSweep,
      UnaryOperator<EdgePipeline> wrapWorkerPipeline) {
    public static final Hooks NONE = new Hooks(UnaryOperator.identity(), JOURNAL_SWEEP);

    public Hooks(UnaryOperator<CacheTier> wrapTier, Duration journalSweep) {
      this(wrapTier, journalSweep, UnaryOperator.identity());
    }
  }

  /**
   * The time the runtime and everything it builds runs on: wall clock, monotonic ticker and the
   * scheduler of delays and background jobs, injected together so a test moves one fake time.
   *
   * @param clock wall-clock time (expiry, event ages)
   * @param ticker monotonic time (durations, rates)
   * @param scheduler delays: retries' backoff and the background jobs' periods
   */
  public record Time(Clock clock, Ticker ticker, Scheduler scheduler) {

    /** The system's time. */
    public static Time system() {
      return new Time(SystemTime.clock(), Ticker.system(), Scheduler.system());
    }
  }

  private final Clock clock;
  private final Time time;
  private final EdgePipeline pipeline;
  // The ledger and its journal, the forwarder, the reconciler and the drift audit.
  private final WebhookJobs webhooks;
  // What close() undoes, last opened first, and the background jobs.
  private final Lifecycle lifecycle;
  private final @Nullable AsyncWrites asyncWrites;
  // The pipeline behind the asynchronous-write front, made once: hosts ask for it per request.
  private final EdgePipeline requestPipeline;
  // Heartbeats of the durable store, for readiness; null without one.
  private @Nullable StoreHealth storeHealth;
  // Where a shared write queue's statuses are shared: opened on first use, null when the event
  // store is not shared.
  private final Backends.Configured<?> events;
  private final StoreContext context;
  private @Nullable WriteStatusBoard statusBoard;
  private boolean statusBoardKnown;

  /** How often readiness's heartbeat writes to the store. */
  static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(5);

  private EdgeRuntime(
      EdgeSettings settings,
      MeterRegistry metrics,
      Time time,
      Hooks hooks,
      @Nullable RandomGenerator random) {
    this.clock = time.clock();
    this.time = time;
    this.lifecycle = new Lifecycle(time);
    // Fed by the webhook receiver and the reconciler; read by the pipeline for tier hits kept past
    // their TTL (the tiers' retention).
    StreamHealth stream =
        StreamHealth.of(time.clock(), settings.cache().retention().streamWindow());
    try {
      EdgePipeline.Builder builder =
          EdgePipeline.builder(
                  Upstream.jdk(URI.create(settings.upstream()), Duration.ofSeconds(10)))
              .cacheConfig(settings.cache())
              .retryConfig(settings.retry())
              .idempotencyConfig(settings.idempotency())
              .isolation(settings.isolation())
              .clock(time.clock())
              .ticker(time.ticker())
              .scheduler(time.scheduler())
              .meterRegistry(metrics)
              .streamHealth(stream);
      if (random != null) {
        builder.random(random);
      }
      StoreContext context =
          new StoreContext(Path.of(settings.store().path()), metrics, time.clock(), lifecycle);
      Backends.Configured<?> events = Stores.eventStore(settings.store());
      this.events = events;
      this.context = context;
      byte[] keySecret = settings.cacheKeySecretBytes();
      if (keySecret == null && settings.tiers().backends().anyEnabled()) {
        // The same cache keys after a restart, or a durable tier's entries could never be found.
        keySecret = Stores.cacheKeySecret(events, context);
      }
      if (keySecret != null) {
        builder.cacheKeySecret(keySecret);
      }
      if (settings.budget().enabled()) {
        builder.budgetConfig(settings.budget().limits());
        for (Backends.Configured<?> shared : settings.budget().shared().configured()) {
          if (shared.enabled()) {
            Stores.connectSharedBudget(lifecycle, builder, shared, context);
          }
        }
      }
      SizingConfig sizing = settings.sizing();
      for (Backends.Configured<?> tier : settings.tiers().backends().configured()) {
        if (tier.enabled() && tier.backend() instanceof TierBackend<?> backend) {
          sizing =
              Stores.openTier(
                  lifecycle,
                  builder,
                  backend,
                  tier.settings(),
                  settings.tiers().encryption(),
                  context,
                  hooks,
                  sizing);
        }
      }
      this.pipeline = builder.sizing(sizing).build();
      this.asyncWrites = startAsyncWrites(settings, context, metrics, hooks, events, keySecret);
      AsyncWrites writes = asyncWrites;
      this.requestPipeline = writes == null ? pipeline : writes.front(pipeline);

      this.webhooks =
          new WebhookJobs(
              settings,
              pipeline,
              events,
              context,
              metrics,
              clock,
              lifecycle,
              hooks.journalSweep(),
              stream);
      EventStore store = webhooks.ledger();
      if (store != null) {
        StoreHealth health = new StoreHealth(store::heartbeat, clock, 2);
        lifecycle.every("edge-store-heartbeat", Duration.ZERO, HEARTBEAT_EVERY, health::beat);
        this.storeHealth = health;
      } else {
        this.storeHealth = null;
      }
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  /** Builds and starts the runtime {@code settings} describe; blocks until it is ready. */
  public static EdgeRuntime start(EdgeSettings settings, MeterRegistry metrics) {
    return new EdgeRuntime(settings, metrics, Time.system(), Hooks.NONE, null);
  }

  /** {@link #start(EdgeSettings, MeterRegistry)} on {@code time}, with test hooks. */
  public static EdgeRuntime start(
      EdgeSettings settings, MeterRegistry metrics, Time time, Hooks hooks) {
    return new EdgeRuntime(settings, metrics, time, hooks, null);
  }

  /** {@link #start(EdgeSettings, MeterRegistry)} with test hooks. */
  public static EdgeRuntime start(EdgeSettings settings, MeterRegistry metrics, Hooks hooks) {
    return new EdgeRuntime(settings, metrics, Time.system(), hooks, null);
  }

  /**
   * {@link #start(EdgeSettings, MeterRegistry)} with the pipeline's random source (jitter and
   * generated idempotency keys) given: a host that must re-seed it (a Lambda SnapStart restore)
   * owns it.
   */
  public static EdgeRuntime start(
      EdgeSettings settings, MeterRegistry metrics, RandomGenerator random) {
    return new EdgeRuntime(settings, metrics, Time.system(), Hooks.NONE, random);
  }

  private <T extends AutoCloseable> T open(String name, T resource) {
    return lifecycle.open(name, resource);
  }

  // --- Asynchronous writes (issue 12) ------------------------------------------------------------

  /**
   * The durable write queue and its workers, which apply queued writes through the pipeline; null
   * when {@code asyncWrites.enabled} is false. Closed before the queue, the queue before the tiers
   * its writes invalidate.
   */
  private @Nullable AsyncWrites startAsyncWrites(
      EdgeSettings settings,
      StoreContext context,
      MeterRegistry metrics,
      Hooks hooks,
      Backends.Configured<?> events,
      byte @Nullable [] keySecret) {
    AsyncWriteConfig config = settings.asyncWrites();
    if (!config.enabled()) {
      return null;
    }
    // Queued credentials are sealed under a key derived from the edge's secret: the configured
    // cacheKeySecret, else the one the event store keeps (the same after a restart).
    CredentialSeal seal =
        CredentialSeal.derivedFrom(
            keySecret != null ? keySecret : Stores.cacheKeySecret(events, context));
    if (keySecret == null
        && !config.queue().equals("sqlite")
        && settings.store().backend().equals("sqlite")) {
      // Each edge's own file, so each edge its own key: a write one edge queued on a shared queue
      // fails (edge_credentials_unreadable) if another edge receives it.
      log.warn(
          "asyncWrites.queue {} can be shared by several edges, but each seals queued API keys with"
              + " the secret in its own store file; edges sharing the queue need one"
              + " cacheKeySecret (STRIPE_EDGE_CACHE_KEY_SECRET)",
          config.queue());
    }
    WorkQueueBackend backend = Stores.workQueue(config.queue());
    WorkQueue queue = open("write queue", backend.open(context, config.queueOptions()));
    if (!config.queue().equals("sqlite")) {
      // A queue other edges (or a Lambda worker) consume: statuses shared through the fleet's
      // store, so a write applied anywhere answers its status resource here.
      WriteStatusBoard board = writeStatusBoard();
      if (board != null) {
        queue = SharedStatusQueue.over(queue, board, config.retention());
      } else {
        log.warn(
            "asyncWrites.queue {} can be shared by several edges, but store.backend {} is not"
                + " shared: a write's status answers only on the edge that recorded it",
            config.queue(),
            settings.store().backend());
      }
    }
    // SecureRandom: write ids and idempotency keys must not be guessable (the status resource
    // answers whoever has the id and the API key).
    AsyncWrites writes =
        open(
            "async writes",
            AsyncWrites.over(
                hooks.wrapWorkerPipeline().apply(pipeline),
                queue,
                seal,
                config,
                clock,
                new SecureRandom(),
                metrics));
    return writes.start();
  }

  /**
   * Where edges (and the Lambda worker) sharing a write queue share their writes' statuses: the
   * event store's, when it is shared (Redis), opened on first use and closed with the runtime; null
   * when the event store is this edge's own.
   */
  public synchronized @Nullable WriteStatusBoard writeStatusBoard() {
    if (!statusBoardKnown) {
      WriteStatusBoard opened = Stores.writeStatusBoard(events, context);
      statusBoard = opened == null ? null : open("write status board", opened);
      statusBoardKnown = true;
    }
    return statusBoard;
  }

  /**
   * Asynchronous writes (queue, status, workers), or null when off. The sidecar and the in-process
   * adapter put {@link AsyncWrites#front} before {@link #pipeline}.
   */
  public @Nullable AsyncWrites asyncWrites() {
    return asyncWrites;
  }

  /**
   * The pipeline applications' requests enter: {@link #pipeline} behind the asynchronous-write
   * front when that is on.
   */
  public EdgePipeline requestPipeline() {
    return requestPipeline;
  }

  // -----------------------------------------------------------------------------------------------

  /** Whether this edge ran {@code job} at its last turn (false before the first). */
  public boolean leading(String job) {
    return webhooks.leading(job);
  }

  /** The time this runtime runs on: what the HTTP layer judges timestamps and stamps replays by. */
  public Time time() {
    return time;
  }

  /** The pipeline every request goes through. */
  public EdgePipeline pipeline() {
    return pipeline;
  }

  /**
   * Why the durable store is not taking writes (two heartbeats in a row failed), or null while it
   * is, or when there is none: for readiness.
   */
  public @Nullable String storeProblem() {
    StoreHealth health = storeHealth;
    return health == null ? null : health.problem();
  }

  /** The event store (ledger, cursor, outbox), or null when nothing needs one. */
  public @Nullable EventStore ledger() {
    return webhooks.ledger();
  }

  /** Applies verified events (and queues their forwards); null without a ledger. */
  public @Nullable EventProcessor eventProcessor() {
    return webhooks.processor();
  }

  /** The webhook forwarder, or null when no forward targets are configured. */
  public @Nullable WebhookForwarder forwarder() {
    return webhooks.forwarder();
  }

  /** The drift audit, or null when it is off. */
  public @Nullable DriftAudit driftAudit() {
    return webhooks.driftAudit();
  }

  /**
   * Runs one reconciliation pass now, on the calling thread (blocking).
   *
   * @throws IllegalStateException no reconciliation key is configured, or the pass failed
   */
  public Reconciler.Pass reconcileNow() {
    return webhooks.reconcileNow();
  }

  /**
   * Runs one drift audit now, on the calling thread (blocking).
   *
   * @throws IllegalStateException the audit is off (no {@code reconcile.apiKey}, or {@code
   *     reconcile.driftSample} 0)
   */
  public DriftAudit.Report auditDriftNow() {
    return webhooks.auditDriftNow();
  }

  /** The names of what is open, last opened first: the order {@link #close} undoes them in. */
  List<String> openedLastFirst() {
    return lifecycle.openedLastFirst();
  }

  /**
   * Stops the background jobs and closes the event store, the tiers and the shared budget, last
   * opened first. Idempotent; never throws (a failure to close one is logged and the rest still
   * close).
   */
  @Override
  public void close() {
    lifecycle.close();
  }
}
