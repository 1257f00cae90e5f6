package dev.stripeedge.runtime;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.SizingConfig;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.core.queue.AsyncWriteConfig;
import dev.stripeedge.core.queue.AsyncWrites;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.EncryptingTier;
import dev.stripeedge.core.tier.TierConfig;
import dev.stripeedge.core.webhooks.DriftAudit;
import dev.stripeedge.core.webhooks.EventProcessor;
import dev.stripeedge.core.webhooks.ForwardConfig;
import dev.stripeedge.core.webhooks.Reconciler;
import dev.stripeedge.core.webhooks.WebhookForwarder;
import dev.stripeedge.store.dynamodb.DynamoDbTier;
import dev.stripeedge.store.redis.RedisSharedBudget;
import dev.stripeedge.store.redis.RedisTier;
import dev.stripeedge.store.sqlite.SqliteEventLedger;
import dev.stripeedge.store.sqlite.SqliteKeySecret;
import dev.stripeedge.store.sqlite.SqliteTier;
import dev.stripeedge.store.sqlite.SqliteTierConfig;
import dev.stripeedge.store.sqlite.SqliteWorkQueue;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the edge is, apart from how it is reached: the pipeline with its tiers and budget, the
 * webhook ledger and its journal, the forwarder, the reconciler and the drift audit, built from one
 * {@link EdgeConfig}. The sidecar serves it over HTTP; the in-process adapter and the CLI use it
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
 * never delays the journal or the forwarder.
 */
public final class EdgeRuntime implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EdgeRuntime.class);
  private static final long FORWARD_POLL_MILLIS = 200;

  /**
   * How often unapplied events are applied again, and how old they must be (younger ones are still
   * being applied by their own delivery).
   */
  private static final Duration JOURNAL_SWEEP = Duration.ofSeconds(5);

  /** Most unapplied events applied again by one sweep; the next sweep takes the rest. */
  private static final int JOURNAL_BATCH = 10_000;

  /**
   * Test hooks, never set by configuration: a kill test wraps the SQLite tier (to hold its
   * invalidations) or shortens the journal's sweep, so a SIGKILL lands at a known point.
   *
   * @param wrapTier applied to the SQLite tier before the pipeline sees it
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

  private final Clock clock;
  private final EdgePipeline pipeline;
  private final @Nullable SqliteEventLedger ledger;
  private final @Nullable EventProcessor processor;
  private final @Nullable WebhookForwarder forwarder;
  private final @Nullable Reconciler reconciler;
  private final @Nullable DriftAudit driftAudit;
  private final @Nullable AsyncWrites asyncWrites;
  // What close() undoes, last opened first.
  private final Deque<Step> opened = new ConcurrentLinkedDeque<>();

  /** Something the runtime opened, with how to undo it. */
  private record Step(String name, AutoCloseable undo) {}

  private EdgeRuntime(EdgeConfig config, MeterRegistry metrics, Hooks hooks) {
    this.clock = Clock.systemUTC();
    try {
      EdgePipeline.Builder builder =
          EdgePipeline.builder(Upstream.jdk(URI.create(config.upstream()), Duration.ofSeconds(10)))
              .cacheConfig(config.cache().toCore())
              .retryConfig(config.retry().toCore())
              .idempotencyConfig(config.retry().idempotency())
              .meterRegistry(metrics);
      byte[] keySecret = config.cache().keySecretBytes();
      if (keySecret == null && config.tiers().anyShared()) {
        // Each edge would hash API keys differently: no entry could be found by another edge.
        throw new IllegalArgumentException(
            "tiers.redis and tiers.dynamodb are shared between edges: give them one"
                + " cache.keySecret (STRIPE_EDGE_CACHE_KEY_SECRET)");
      }
      if (keySecret == null && config.tiers().sqlite().enabled()) {
        // The same cache keys after a restart, or the tier's entries could never be found again.
        keySecret = SqliteKeySecret.load(Path.of(config.store().path()));
      }
      if (keySecret != null) {
        builder.cacheKeySecret(keySecret);
      }
      if (config.budget().enabled()) {
        builder.budgetConfig(config.budget().toCore());
        EdgeConfig.BudgetRedis redis = config.budget().redis();
        if (redis.enabled()) {
          // Returns while Redis is down too: the shaper spends its local share until it answers.
          RedisSharedBudget shared =
              open("shared budget", RedisSharedBudget.connect(redis.toRedis()));
          builder.sharedBudget(shared, redis.toCore());
        }
      }
      openTiers(config, builder, metrics, hooks);
      SizingConfig sizing = config.cache().sizing().toCore();
      if (config.tiers().sqlite().enabled()) {
        // The sizing report predicts the tier's hit ratio at its configured bound.
        sizing = sizing.withTierBytes("sqlite", config.tiers().sqlite().maxBytes());
      }
      this.pipeline = builder.sizing(sizing).build();
      this.asyncWrites = startAsyncWrites(config, metrics, hooks);

      this.ledger =
          config.needsStore()
              ? open("event ledger", SqliteEventLedger.open(Path.of(config.store().path())))
              : null;
      EventProcessor plain =
          ledger == null ? null : EventProcessor.of(ledger, pipeline, clock, metrics);
      if (plain != null) {
        // Before anything is served: what a previous process recorded (and acknowledged) but may
        // not have applied to the tiers is invalidated again, so no tier hit predating it counts.
        startJournal(plain, hooks.journalSweep());
      }
      ForwardConfig forwarding = config.webhooks().toForwardConfig();
      if (ledger != null && !forwarding.targets().isEmpty()) {
        ScheduledExecutorService thread = daemon("edge-webhook-forwarder");
        this.forwarder =
            WebhookForwarder.of(ledger, forwarding, clock, thread, new SplittableRandom(), metrics);
        // Rows left pending by a previous run resume at once.
        forwarder.start(Duration.ofMillis(FORWARD_POLL_MILLIS));
      } else {
        this.forwarder = null;
      }
      WebhookForwarder wakeable = forwarder;
      this.processor =
          plain == null || wakeable == null
              ? plain
              : plain.forwardingTo(List.copyOf(forwarding.targets().keySet()), wakeable::wake);

      EdgeConfig.Reconcile reconcile = config.reconcile();
      this.reconciler =
          processor == null || reconcile.apiKey().isEmpty()
              ? null
              : Reconciler.of(
                  pipeline, processor, reconcile.apiKey(), reconcile.maxPagesPerPass(), metrics);
      if (reconciler != null) {
        ScheduledExecutorService thread = daemon("edge-reconciler");
        // The first pass at once: it pins the cursor, so deliveries dropped from now on are
        // repaired. At a fixed rate, not delay: a pass starts every period whatever the last one
        // took, so a dropped delivery waits at most one period plus one pass.
        thread.scheduleAtFixedRate(
            this::reconcileQuietly, 0, reconcile.periodSeconds(), TimeUnit.SECONDS);
      }
      // Needs only the key and the pipeline: it audits memory, with or without a webhook store.
      this.driftAudit =
          reconcile.apiKey().isEmpty() || reconcile.driftSample() == 0
              ? null
              : DriftAudit.of(
                  pipeline, reconcile.apiKey(), reconcile.driftSample(), clock, metrics);
      if (driftAudit != null) {
        long period = reconcile.driftAuditSeconds();
        // The first audit after one period: at startup memory holds nothing to audit.
        daemon("edge-drift-audit")
            .scheduleWithFixedDelay(this::auditDriftQuietly, period, period, TimeUnit.SECONDS);
      }
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  /** Builds and starts the runtime {@code config} describes; blocks until it is ready. */
  public static EdgeRuntime start(EdgeConfig config, MeterRegistry metrics) {
    return new EdgeRuntime(config, metrics, Hooks.NONE);
  }

  /** {@link #start(EdgeConfig, MeterRegistry)} with test hooks. */
  public static EdgeRuntime start(EdgeConfig config, MeterRegistry metrics, Hooks hooks) {
    return new EdgeRuntime(config, metrics, hooks);
  }

  /**
   * The tiers that are on, fastest first (Redis, DynamoDB, SQLite), each encrypted when configured,
   * added to {@code builder}.
   */
  private void openTiers(
      EdgeConfig config, EdgePipeline.Builder builder, MeterRegistry metrics, Hooks hooks) {
    EdgeConfig.Tiers settings = config.tiers();
    if (settings.redis().enabled()) {
      addTier(
          builder,
          RedisTier.connect(settings.redis().toTierConfig()),
          settings.redis().toCore(),
          settings,
          metrics);
    }
    if (settings.dynamodb().enabled()) {
      addTier(
          builder,
          DynamoDbTier.open(settings.dynamodb().toTierConfig(), metrics),
          settings.dynamodb().toCore(),
          settings,
          metrics);
    }
    if (settings.sqlite().enabled()) {
      // Recorded before a test hook wraps it, so a failing hook leaves nothing open.
      SqliteTier sqlite =
          open(
              "tier sqlite",
              SqliteTier.open(
                  Path.of(config.store().path()),
                  SqliteTierConfig.defaults().withMaxBytes(settings.sqlite().maxBytes())));
      addTier(
          builder, hooks.wrapTier().apply(sqlite), settings.sqlite().toCore(), settings, metrics);
    }
  }

  private void addTier(
      EdgePipeline.Builder builder,
      CacheTier tier,
      TierConfig tierConfig,
      EdgeConfig.Tiers settings,
      MeterRegistry metrics) {
    CacheTier wrapped =
        settings.encryption().enabled()
            ? EncryptingTier.wrap(tier, settings.encryption().toKeys(), metrics)
            : tier;
    // A wrapper closes what it wraps; closing a tier twice is harmless.
    builder.tier(open("tier " + tier.name(), wrapped), tierConfig);
  }

  /** Records {@code resource} for {@link #close}; returns it. */
  private <T extends AutoCloseable> T open(String name, T resource) {
    opened.push(new Step(name, resource));
    return resource;
  }

  // --- Asynchronous writes (issue 12) ------------------------------------------------------------

  /**
   * The durable write queue (table {@code async_writes} in the store file) and its workers, which
   * apply queued writes through the pipeline; null when {@code asyncWrites.enabled} is false.
   * Closed before the queue, the queue before the tiers its writes invalidate.
   */
  private @Nullable AsyncWrites startAsyncWrites(
      EdgeConfig config, MeterRegistry metrics, Hooks hooks) {
    AsyncWriteConfig settings = config.asyncWrites();
    if (!settings.enabled()) {
      return null;
    }
    SqliteWorkQueue queue =
        open("write queue", SqliteWorkQueue.open(Path.of(config.store().path())));
    // SecureRandom: write ids and idempotency keys must not be guessable (the status resource
    // answers whoever has the id and the API key).
    AsyncWrites writes =
        open(
            "async writes",
            AsyncWrites.over(
                hooks.wrapWorkerPipeline().apply(pipeline),
                queue,
                settings,
                clock,
                new SecureRandom(),
                metrics));
    return writes.start();
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
    AsyncWrites writes = asyncWrites;
    return writes == null ? pipeline : writes.front(pipeline);
  }

  // -----------------------------------------------------------------------------------------------

  /** A single-thread daemon scheduler, shut down (and awaited) by {@link #close}. */
  private ScheduledExecutorService daemon(String name) {
    ScheduledExecutorService thread =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread daemon = new Thread(task, name);
              daemon.setDaemon(true);
              return daemon;
            });
    // Awaited: a forward or pass in flight finishes (or is interrupted) before the ledger and
    // tiers close under it.
    open(
        name,
        () -> {
          thread.shutdownNow();
          thread.awaitTermination(10, TimeUnit.SECONDS);
        });
    return thread;
  }

  private void startJournal(EventProcessor journal, Duration sweep) {
    int reapplied = journal.reapplyUnapplied(clock.instant(), JOURNAL_BATCH);
    if (reapplied > 0) {
      log.info("applied {} events again that the last run recorded but did not finish", reapplied);
    }
    long period = sweep.toMillis();
    daemon("edge-event-journal")
        .scheduleWithFixedDelay(
            () -> {
              try {
                journal.reapplyUnapplied(clock.instant().minus(sweep), JOURNAL_BATCH);
              } catch (RuntimeException e) {
                log.warn("applying unapplied events failed: {}", e.getMessage());
              }
            },
            period,
            period,
            TimeUnit.MILLISECONDS);
  }

  private void auditDriftQuietly() {
    try {
      DriftAudit.Report report = auditDriftNow();
      if (report.drifted() > 0) {
        log.info(
            "drift audit: {} of {} cached retrieves had drifted and were invalidated",
            report.drifted(),
            report.checked());
      }
    } catch (RuntimeException e) {
      log.warn("drift audit failed: {}", e.getMessage());
    }
  }

  private void reconcileQuietly() {
    try {
      reconcileNow();
    } catch (RuntimeException e) {
      // The next pass retries from the same cursor; the message never holds the key.
      log.warn("reconciliation pass failed: {}", e.getMessage());
    }
  }

  /** The pipeline every request goes through. */
  public EdgePipeline pipeline() {
    return pipeline;
  }

  /** The webhook ledger (the SQLite store), or null when nothing needs one. */
  public @Nullable SqliteEventLedger ledger() {
    return ledger;
  }

  /** Applies verified events (and queues their forwards); null without a ledger. */
  public @Nullable EventProcessor eventProcessor() {
    return processor;
  }

  /** The webhook forwarder, or null when no forward targets are configured. */
  public @Nullable WebhookForwarder forwarder() {
    return forwarder;
  }

  /** The drift audit, or null when it is off. */
  public @Nullable DriftAudit driftAudit() {
    return driftAudit;
  }

  /**
   * Runs one reconciliation pass now, on the calling thread (blocking).
   *
   * @throws IllegalStateException no reconciliation key is configured, or the pass failed
   */
  public Reconciler.Pass reconcileNow() {
    Reconciler current = reconciler;
    if (current == null) {
      throw new IllegalStateException("reconciliation is off: set reconcile.apiKey");
    }
    return current.runOnce();
  }

  /**
   * Runs one drift audit now, on the calling thread (blocking).
   *
   * @throws IllegalStateException the audit is off (no {@code reconcile.apiKey}, or {@code
   *     reconcile.driftSample} 0)
   */
  public DriftAudit.Report auditDriftNow() {
    DriftAudit current = driftAudit;
    if (current == null) {
      throw new IllegalStateException("the drift audit is off: set reconcile.apiKey");
    }
    return current.runOnce();
  }

  /** The names of what is open, last opened first: the order {@link #close} undoes them in. */
  List<String> openedLastFirst() {
    return opened.stream().map(Step::name).toList();
  }

  /**
   * Stops the background jobs and closes the ledger, the tiers and the shared budget, last opened
   * first. Idempotent; never throws (a failure to close one is logged and the rest still close).
   */
  @Override
  public void close() {
    Step step;
    while ((step = opened.poll()) != null) {
      try {
        step.undo().close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        log.warn("closing {} failed: {}", step.name(), e.toString());
      }
    }
  }
}
