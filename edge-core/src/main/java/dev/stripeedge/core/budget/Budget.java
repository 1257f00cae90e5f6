package dev.stripeedge.core.budget;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Admits upstream attempts within Stripe's limits: the SPI the pipeline asks before every attempt
 * (retries included) and tells after it.
 *
 * <p>Implementations are thread-safe and never block: {@link #admit} answers with a future that
 * completes when the attempt may go, or at once with a refusal. The future never completes
 * exceptionally.
 */
public interface Budget {

  /**
   * Admission for one upstream attempt of {@code request}; a refusal comes at once when the attempt
   * cannot start within {@code deadline} or the lane's longest wait.
   */
  CompletableFuture<Admission> admit(EdgeRequest request, Route route, Duration deadline);

  /** No limits: every attempt is admitted at once. */
  static Budget unlimited() {
    return Unlimited.INSTANCE;
  }

  /**
   * The shaper: per account (keyed hash of the API key, plus {@code Stripe-Account} and {@code
   * Stripe-Context}) token buckets for the global and per-endpoint rates, a concurrency bound,
   * per-object write serialisation, priority lanes with a critical reserve and weighted sharing,
   * AIMD on upstream 429s, and (with {@link BudgetConfig#forecast()} on) a reserve and shares that
   * follow each lane's forecast demand.
   *
   * @param keySecret secret of the API-key hash, at least 32 bytes
   */
  static Budget shaper(
      BudgetConfig config,
      LaneRule lanes,
      Ticker ticker,
      Scheduler scheduler,
      MeterRegistry meters,
      byte[] keySecret) {
    return new Shaper(config, lanes, ticker, scheduler, meters, keySecret);
  }

  /**
   * The {@linkplain #shaper(BudgetConfig, LaneRule, Ticker, Scheduler, MeterRegistry, byte[])
   * shaper}, with each account's global and per-endpoint rates spent together with the other edges
   * that use {@code shared}: tokens are leased from it in small batches; while it fails or is slow,
   * this edge spends its fair share (the rate over the live edges) and returns once it answers. The
   * lanes, queues, reserve and AIMD stay local. Edges sharing a store need the same {@code
   * keySecret}, or they would name the same account differently.
   */
  static Budget shaper(
      BudgetConfig config,
      LaneRule lanes,
      Ticker ticker,
      Scheduler scheduler,
      MeterRegistry meters,
      byte[] keySecret,
      SharedBudget shared,
      SharedBudgetConfig sharedConfig) {
    return new Shaper(config, lanes, ticker, scheduler, meters, keySecret, shared, sharedConfig);
  }
}
