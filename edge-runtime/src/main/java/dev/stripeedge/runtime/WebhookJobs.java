package dev.stripeedge.runtime;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.StreamHealth;
import dev.stripeedge.core.spi.StoreContext;
import dev.stripeedge.core.webhooks.DriftAudit;
import dev.stripeedge.core.webhooks.EventProcessor;
import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.core.webhooks.ForwardConfig;
import dev.stripeedge.core.webhooks.Reconciler;
import dev.stripeedge.core.webhooks.WebhookForwarder;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link EdgeRuntime}'s webhook side, started after the pipeline: the event store (ledger), its
 * journal re-applied before anything is served and swept every few seconds, the forwarder before
 * the event processor that wakes it, then the reconciler and the drift audit; the sweep, the
 * reconciler and the drift audit each on the fleet-wide lease of its job. Everything it opens is
 * registered with the runtime's {@link Lifecycle}, which closes it.
 */
final class WebhookJobs {

  // Under the runtime's name: operators' log settings name EdgeRuntime for these lines.
  private static final Logger log = LoggerFactory.getLogger(EdgeRuntime.class);
  private static final long FORWARD_POLL_MILLIS = 200;

  /** Most unapplied events applied again by one sweep; the next sweep takes the rest. */
  private static final int JOURNAL_BATCH = 10_000;

  private final Clock clock;
  private final Lifecycle lifecycle;
  private final @Nullable EventStore ledger;
  private final @Nullable EventProcessor processor;
  private final @Nullable WebhookForwarder forwarder;
  private final @Nullable Reconciler reconciler;
  private final @Nullable DriftAudit driftAudit;
  private final StreamHealth stream;
  // Which fleet-wide jobs this edge leads.
  private final FleetLeases leases;

  /**
   * Opens and starts what {@code settings} ask for.
   *
   * @param events the event store backend {@code settings.store} names
   */
  WebhookJobs(
      EdgeSettings settings,
      EdgePipeline pipeline,
      Backends.Configured<?> events,
      StoreContext context,
      MeterRegistry metrics,
      Clock clock,
      Lifecycle lifecycle,
      Duration journalSweep,
      StreamHealth stream) {
    this.clock = clock;
    this.stream = stream;
    this.lifecycle = lifecycle;
    this.leases = new FleetLeases(this::ledger, metrics);
    this.ledger =
        settings.needsStore()
            ? lifecycle.open("event store", Stores.openEventStore(events, context))
            : null;
    EventProcessor plain =
        ledger == null ? null : EventProcessor.of(ledger, pipeline, clock, metrics);
    if (plain != null) {
      // Before anything is served: what a previous process recorded (and acknowledged) but may
      // not have applied to the tiers is invalidated again, so no tier hit predating it counts.
      startJournal(plain, journalSweep);
    }
    ForwardConfig forwarding = settings.webhooks().forwarding();
    if (ledger != null && !forwarding.targets().isEmpty()) {
      ScheduledExecutorService thread = lifecycle.daemon("edge-webhook-forwarder");
      // Each target's lane sends on virtual threads, so a slow target holds only its own.
      ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
      lifecycle.open(
          "edge-webhook-senders",
          () -> {
            senders.shutdownNow();
            senders.awaitTermination(10, TimeUnit.SECONDS);
          });
      this.forwarder =
          WebhookForwarder.of(
              ledger, forwarding, clock, thread, senders, new SplittableRandom(), metrics);
      // Rows left pending by a previous run resume at once.
      forwarder.start(Duration.ofMillis(FORWARD_POLL_MILLIS));
    } else {
      this.forwarder = null;
    }
    WebhookForwarder wakeable = forwarder;
    EventProcessor forwarded =
        plain == null || wakeable == null
            ? plain
            : plain.forwardingTo(List.copyOf(forwarding.targets().keySet()), wakeable::wake);
    // Deliveries seen tell the pipeline the event stream is healthy (tier retention).
    this.processor = forwarded == null ? null : forwarded.reportingTo(stream);

    EdgeSettings.Reconcile reconcile = settings.reconcile();
    String apiKey = reconcile.apiKey().reveal();
    this.reconciler =
        processor == null || apiKey.isEmpty()
            ? null
            : Reconciler.of(
                pipeline,
                processor,
                apiKey,
                reconcile.maxPagesPerPass(),
                reconcile.maxAccountsPerPass(),
                metrics);
    if (reconciler != null) {
      // The first pass at once: it pins the cursor, so deliveries dropped from now on are
      // repaired. The period is the bound on that repair: each pass starts a period after the
      // last, less the last pass's own time (its /v1/events calls), so a delivery dropped just
      // after one pass listed is applied by the next within the period, not a period plus a pass.
      Duration lease = FleetLeases.lease(reconcile.period());
      lifecycle.within(
          "edge-reconciler",
          Duration.ZERO,
          reconcile.period(),
          () -> {
            if (leases.leads(EventStore.RECONCILER, lease)) {
              reconcileQuietly();
            }
          });
    }
    // Needs only the key and the pipeline: it audits memory, with or without a webhook store.
    this.driftAudit =
        apiKey.isEmpty() || reconcile.driftSample() == 0
            ? null
            : DriftAudit.of(pipeline, apiKey, reconcile.driftSample(), clock, metrics);
    if (driftAudit != null) {
      // The first audit after one period: at startup memory holds nothing to audit.
      Duration period = reconcile.driftAuditEvery();
      Duration lease = FleetLeases.lease(period);
      lifecycle.every(
          "edge-drift-audit",
          period,
          period,
          () -> {
            if (leases.leads(EventStore.DRIFT_AUDIT, lease)) {
              auditDriftQuietly();
            }
          });
    }
  }

  private void startJournal(EventProcessor journal, Duration sweep) {
    int reapplied = journal.reapplyUnapplied(clock.instant(), JOURNAL_BATCH);
    if (reapplied > 0) {
      log.info("applied {} events again that the last run recorded but did not finish", reapplied);
    }
    // One sweep per fleet: over a shared store every edge sees the same unapplied events, and
    // each re-application drops the objects from every shared tier again, so edges sweeping all
    // at once multiplied the drops by the fleet's size while a tier refused invalidations
    // (decision 44). A store of the edge's own always leads. The startup pass above stays on
    // every edge: it runs once per process, before this edge serves anything.
    Duration lease = FleetLeases.lease(sweep);
    lifecycle.every(
        "edge-event-journal",
        sweep,
        sweep,
        () -> {
          if (!leases.leads(EventStore.JOURNAL, lease)) {
            return;
          }
          try {
            journal.reapplyUnapplied(clock.instant().minus(sweep), JOURNAL_BATCH);
          } catch (RuntimeException e) {
            log.warn("applying unapplied events failed: {}", e.getMessage());
          }
        });
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
      Reconciler.Pass pass = reconcileNow();
      log.info(
          "reconciliation pass: {} pages, {} events, {} applied",
          pass.pages(),
          pass.events(),
          pass.applied());
    } catch (RuntimeException e) {
      // The next pass retries from the same cursor; the message never holds the key.
      log.warn("reconciliation pass failed: {}", e.getMessage());
    }
  }

  /** Whether this edge ran {@code job} at its last turn (false before the first). */
  boolean leading(String job) {
    return leases.leading(job);
  }

  @Nullable EventStore ledger() {
    return ledger;
  }

  @Nullable EventProcessor processor() {
    return processor;
  }

  @Nullable WebhookForwarder forwarder() {
    return forwarder;
  }

  @Nullable DriftAudit driftAudit() {
    return driftAudit;
  }

  /** See {@link EdgeRuntime#reconcileNow}. */
  Reconciler.Pass reconcileNow() {
    Reconciler current = reconciler;
    if (current == null) {
      throw new IllegalStateException("reconciliation is off: set reconcile.apiKey");
    }
    long began = stream.now();
    Reconciler.Pass pass = current.runOnce();
    if (pass.caughtUp()) {
      stream.caughtUp(began);
    }
    return pass;
  }

  /** See {@link EdgeRuntime#auditDriftNow}. */
  DriftAudit.Report auditDriftNow() {
    DriftAudit current = driftAudit;
    if (current == null) {
      throw new IllegalStateException("the drift audit is off: set reconcile.apiKey");
    }
    return current.runOnce();
  }
}
