package dev.stripeedge.core.budget;

import java.time.Duration;

/**
 * The budget of one Stripe account as the edge spends it: rates, concurrency, lanes and how it
 * adapts when Stripe says no.
 *
 * <p>Defaults ({@link #live()}, {@link #test()}) mirror Stripe's documented limits with a safety
 * margin, so the edge's own bursts and clock skew stay below Stripe's limiters.
 *
 * @param globalRate requests per second per account (Stripe: 100 live, 25 test)
 * @param endpointRate requests per second per account and endpoint, method + route template
 *     (Stripe: 25)
 * @param burst how many seconds of rate a bucket holds when idle; small keeps bursts under Stripe's
 *     one-second buckets
 * @param concurrency requests in flight per account
 * @param criticalReserve share of the global rate only the critical lane may use, 0 to below 1
 * @param criticalWeight share of the rest for critical when every lane waits
 * @param normalWeight share of the rest for normal when every lane waits
 * @param backgroundWeight share of the rest for background when every lane waits, at least 1 so it
 *     never starves
 * @param criticalMaxWait longest a critical request waits in its queue before it is refused
 * @param normalMaxWait same for normal
 * @param backgroundMaxWait same for background
 * @param serializeWrites true queues every write to one object behind the one in flight; false only
 *     after that object returned {@code lock_timeout}
 * @param lockTimeoutMemory how long an object that returned {@code lock_timeout} stays serialised
 * @param decrease factor a rate is multiplied by on an upstream 429 naming its limiter, 0 to 1
 * @param recoveryPerSecond share of the configured rate won back each second after a cut
 * @param minFactor lowest share of the configured rate cuts go down to
 * @param cutCooldown one cut per limiter within this time (a burst of 429s is one signal)
 * @param forecast proactive throttling: the critical reserve and background's allowance follow each
 *     lane's forecast demand
 */
public record BudgetConfig(
    double globalRate,
    double endpointRate,
    double burst,
    int concurrency,
    double criticalReserve,
    int criticalWeight,
    int normalWeight,
    int backgroundWeight,
    Duration criticalMaxWait,
    Duration normalMaxWait,
    Duration backgroundMaxWait,
    boolean serializeWrites,
    Duration lockTimeoutMemory,
    double decrease,
    double recoveryPerSecond,
    double minFactor,
    Duration cutCooldown,
    ForecastConfig forecast) {

  public BudgetConfig {
    if (!(globalRate > 0) || !(endpointRate > 0)) {
      throw new IllegalArgumentException(
          "rates must be positive: global=" + globalRate + " endpoint=" + endpointRate);
    }
    if (!(burst > 0)) {
      throw new IllegalArgumentException("burst must be positive: " + burst);
    }
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1: " + concurrency);
    }
    if (!(criticalReserve >= 0 && criticalReserve < 1)) {
      throw new IllegalArgumentException("criticalReserve must be in [0, 1): " + criticalReserve);
    }
    if (criticalWeight < 1 || normalWeight < 1 || backgroundWeight < 1) {
      throw new IllegalArgumentException(
          "weights must be at least 1: critical=%d normal=%d background=%d"
              .formatted(criticalWeight, normalWeight, backgroundWeight));
    }
    for (Duration wait : new Duration[] {criticalMaxWait, normalMaxWait, backgroundMaxWait}) {
      if (wait.isNegative()) {
        throw new IllegalArgumentException("max waits must not be negative: " + wait);
      }
    }
    if (lockTimeoutMemory.isNegative() || cutCooldown.isNegative()) {
      throw new IllegalArgumentException(
          "durations must not be negative: lockTimeoutMemory="
              + lockTimeoutMemory
              + " cutCooldown="
              + cutCooldown);
    }
    if (!(decrease > 0 && decrease <= 1)) {
      throw new IllegalArgumentException("decrease must be in (0, 1]: " + decrease);
    }
    if (!(recoveryPerSecond >= 0)) {
      throw new IllegalArgumentException("recoveryPerSecond must be >= 0: " + recoveryPerSecond);
    }
    if (!(minFactor > 0 && minFactor <= 1)) {
      throw new IllegalArgumentException("minFactor must be in (0, 1]: " + minFactor);
    }
  }

  /** Live mode: 97/s global and 24/s per endpoint (Stripe: 100 and 25), 80 in flight. */
  public static BudgetConfig live() {
    // 3% under Stripe's limits: the overload bench used 88% of the limit at 90/s (issue 5 wants
    // >= 95% while demand exceeds it); adaptive cuts handle a limit shared with other clients.
    return new BudgetConfig(
        97,
        24,
        0.25,
        80,
        0.2,
        8,
        3,
        1,
        Duration.ofSeconds(10),
        Duration.ofSeconds(5),
        Duration.ofSeconds(2),
        true,
        Duration.ofMinutes(1),
        0.7,
        0.02,
        0.1,
        Duration.ofSeconds(1),
        ForecastConfig.defaults());
  }

  /** Test mode (sandbox): 22/s global and per endpoint (Stripe: 25 and 25). */
  public static BudgetConfig test() {
    return live().withRates(22, 22);
  }

  /**
   * These limits as they apply to sandbox keys: Stripe allows a quarter of the live global rate in
   * test mode (25/s against 100/s), with the per-endpoint rate capped at that.
   */
  public BudgetConfig forTestMode() {
    double global = globalRate() / 4;
    return withRates(global, Math.min(endpointRate(), global));
  }

  public BudgetConfig withRates(double global, double endpoint) {
    return edit(
        e -> {
          e.globalRate = global;
          e.endpointRate = endpoint;
        });
  }

  public BudgetConfig withBurst(double seconds) {
    return edit(e -> e.burst = seconds);
  }

  public BudgetConfig withConcurrency(int value) {
    return edit(e -> e.concurrency = value);
  }

  /** The critical reserve and the lanes' weights. */
  public BudgetConfig withLanes(double reserve, int critical, int normal, int background) {
    return edit(
        e -> {
          e.criticalReserve = reserve;
          e.criticalWeight = critical;
          e.normalWeight = normal;
          e.backgroundWeight = background;
        });
  }

  /** Proactive throttling by forecast; {@link ForecastConfig#off()} keeps the shares fixed. */
  public BudgetConfig withForecast(ForecastConfig value) {
    return edit(e -> e.forecast = value);
  }

  /** The longest each lane waits before a refusal. */
  public BudgetConfig withMaxWaits(Duration critical, Duration normal, Duration background) {
    return edit(
        e -> {
          e.criticalMaxWait = critical;
          e.normalMaxWait = normal;
          e.backgroundMaxWait = background;
        });
  }

  public BudgetConfig withSerializeWrites(boolean value) {
    return edit(e -> e.serializeWrites = value);
  }

  /** The AIMD knobs: multiplicative {@code decrease}, additive {@code recoveryPerSecond}. */
  public BudgetConfig withAimd(
      double decrease, double recoveryPerSecond, double minFactor, Duration cutCooldown) {
    return edit(
        e -> {
          e.decrease = decrease;
          e.recoveryPerSecond = recoveryPerSecond;
          e.minFactor = minFactor;
          e.cutCooldown = cutCooldown;
        });
  }

  /** The longest a request of {@code lane} may wait in its queue. */
  public Duration maxWait(Lane lane) {
    return switch (lane) {
      case CRITICAL -> criticalMaxWait;
      case NORMAL -> normalMaxWait;
      case BACKGROUND -> backgroundMaxWait;
    };
  }

  /** The weight of {@code lane} in the shared part of the global rate. */
  public int weight(Lane lane) {
    return switch (lane) {
      case CRITICAL -> criticalWeight;
      case NORMAL -> normalWeight;
      case BACKGROUND -> backgroundWeight;
    };
  }

  /** {@code change} applied to a copy of these limits, checked as new ones are. */
  private BudgetConfig edit(java.util.function.Consumer<Edit> change) {
    Edit e = new Edit(this);
    change.accept(e);
    return e.build();
  }

  /** The fields of a {@link BudgetConfig} being changed by one {@code with…} method. */
  private static final class Edit {
    double globalRate;
    double endpointRate;
    double burst;
    int concurrency;
    double criticalReserve;
    int criticalWeight;
    int normalWeight;
    int backgroundWeight;
    Duration criticalMaxWait;
    Duration normalMaxWait;
    Duration backgroundMaxWait;
    boolean serializeWrites;
    Duration lockTimeoutMemory;
    double decrease;
    double recoveryPerSecond;
    double minFactor;
    Duration cutCooldown;
    ForecastConfig forecast;

    Edit(BudgetConfig from) {
      globalRate = from.globalRate;
      endpointRate = from.endpointRate;
      burst = from.burst;
      concurrency = from.concurrency;
      criticalReserve = from.criticalReserve;
      criticalWeight = from.criticalWeight;
      normalWeight = from.normalWeight;
      backgroundWeight = from.backgroundWeight;
      criticalMaxWait = from.criticalMaxWait;
      normalMaxWait = from.normalMaxWait;
      backgroundMaxWait = from.backgroundMaxWait;
      serializeWrites = from.serializeWrites;
      lockTimeoutMemory = from.lockTimeoutMemory;
      decrease = from.decrease;
      recoveryPerSecond = from.recoveryPerSecond;
      minFactor = from.minFactor;
      cutCooldown = from.cutCooldown;
      forecast = from.forecast;
    }

    BudgetConfig build() {
      return new BudgetConfig(
          globalRate,
          endpointRate,
          burst,
          concurrency,
          criticalReserve,
          criticalWeight,
          normalWeight,
          backgroundWeight,
          criticalMaxWait,
          normalMaxWait,
          backgroundMaxWait,
          serializeWrites,
          lockTimeoutMemory,
          decrease,
          recoveryPerSecond,
          minFactor,
          cutCooldown,
          forecast);
    }
  }
}
