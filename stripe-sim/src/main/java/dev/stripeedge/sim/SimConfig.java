package dev.stripeedge.sim;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.stripeedge.sim.internal.wire.JsonMerge;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Everything that shapes the simulator, immutable; the control API swaps in a new instance.
 *
 * <p>Loaded from YAML or JSON (the same field names), then overridden by command-line flags. Every
 * field has a default, so {@code SimConfig.defaults()} is a working configuration.
 *
 * @param host address to bind, loopback by default
 * @param port port to bind; 0 picks a free one
 * @param mode which keys are accepted and which limits apply
 * @param seed seeds latency, faults and webhook knobs so runs repeat
 * @param apiVersion the account's default API version, echoed when a request sends none
 * @param limits Stripe's rate, concurrency and lock limits
 * @param latency simulated server time per endpoint class
 * @param webhooks delivery timing and misbehaviour knobs
 * @param faults injected failures, evaluated in order
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record SimConfig(
    String host,
    int port,
    SimMode mode,
    long seed,
    String apiVersion,
    Limits limits,
    Latency latency,
    Webhooks webhooks,
    List<FaultRule> faults) {

  /** The simulator's name, as {@code GET /} reports it. */
  public static final String NAME = "stripe-sim";

  public SimConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535: " + port);
    }
    faults = List.copyOf(faults);
  }

  /** A configuration that works: loopback, test mode, Stripe's limits, realistic latency. */
  public static SimConfig defaults() {
    return new SimConfig(
        "127.0.0.1",
        12111,
        SimMode.TEST,
        1L,
        "2026-07-29.dahlia",
        Limits.stripe(),
        Latency.realistic(),
        Webhooks.defaults(),
        List.of());
  }

  /**
   * Defaults overridden by a YAML (or JSON) file with any subset of the fields, nested ones
   * included ({@code limits: {globalRate: 50}} keeps every other limit).
   *
   * @throws IllegalArgumentException naming the problem when the file cannot be read or is invalid
   */
  public static SimConfig load(Path file) {
    ObjectMapper yaml =
        new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    try {
      ObjectNode merged = yaml.valueToTree(defaults());
      JsonNode overrides = yaml.readTree(file.toFile());
      if (overrides != null && overrides.isObject()) {
        JsonMerge.merge(merged, overrides);
      } else if (overrides != null && !overrides.isNull() && !overrides.isMissingNode()) {
        throw new IllegalArgumentException("config file " + file + " must hold a mapping");
      }
      return yaml.treeToValue(merged, SimConfig.class);
    } catch (IOException e) {
      String message =
          e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw new IllegalArgumentException("invalid config file " + file + ": " + message, e);
    }
  }

  /** Defaults suited to fast tests: free port, no latency, limits still on. */
  public static SimConfig forTests() {
    return defaults().withPort(0).withLatency(Latency.off());
  }

  public SimConfig withHost(String value) {
    return new SimConfig(value, port, mode, seed, apiVersion, limits, latency, webhooks, faults);
  }

  /** The account default {@code Stripe-Version}: requests without the header get this shape. */
  public SimConfig withApiVersion(String value) {
    return new SimConfig(host, port, mode, seed, value, limits, latency, webhooks, faults);
  }

  public SimConfig withPort(int value) {
    return new SimConfig(host, value, mode, seed, apiVersion, limits, latency, webhooks, faults);
  }

  public SimConfig withMode(SimMode value) {
    return new SimConfig(host, port, value, seed, apiVersion, limits, latency, webhooks, faults);
  }

  public SimConfig withSeed(long value) {
    return new SimConfig(host, port, mode, value, apiVersion, limits, latency, webhooks, faults);
  }

  public SimConfig withLimits(Limits value) {
    return new SimConfig(host, port, mode, seed, apiVersion, value, latency, webhooks, faults);
  }

  public SimConfig withLatency(Latency value) {
    return new SimConfig(host, port, mode, seed, apiVersion, limits, value, webhooks, faults);
  }

  public SimConfig withWebhooks(Webhooks value) {
    return new SimConfig(host, port, mode, seed, apiVersion, limits, latency, value, faults);
  }

  public SimConfig withFaults(List<FaultRule> value) {
    return new SimConfig(host, port, mode, seed, apiVersion, limits, latency, webhooks, value);
  }

  /**
   * Stripe's limits. Rates are per second per account; {@code globalRate} 0 means "Stripe's for the
   * mode" (live 100/s, test 25/s).
   *
   * @param enabled false switches every limiter off (locks included)
   * @param globalRate requests per second per account; 0 for the mode's default
   * @param endpointRate requests per second per account and endpoint (method + route)
   * @param searchRate requests per second per account over all search endpoints
   * @param concurrency requests in flight per account
   * @param paymentIntentUpdatesPerHour updates per PaymentIntent per hour
   * @param lockTimeoutMillis how long a write waits for a busy object before {@code lock_timeout}
   */
  public record Limits(
      boolean enabled,
      double globalRate,
      double endpointRate,
      double searchRate,
      int concurrency,
      int paymentIntentUpdatesPerHour,
      long lockTimeoutMillis) {

    public Limits {
      if (globalRate < 0 || endpointRate <= 0 || searchRate <= 0 || concurrency <= 0) {
        throw new IllegalArgumentException(
            "rates and concurrency must be positive: global=%s endpoint=%s search=%s concurrency=%s"
                .formatted(globalRate, endpointRate, searchRate, concurrency));
      }
    }

    /** Stripe's documented limits. */
    public static Limits stripe() {
      return new Limits(true, 0, 25, 20, 100, 1000, 0);
    }

    /** No limits at all. */
    public static Limits off() {
      return new Limits(false, 0, 25, 20, 100, 1000, 0);
    }

    /** The global rate that applies in {@code mode}. */
    public double globalRateFor(SimMode mode) {
      if (globalRate > 0) {
        return globalRate;
      }
      return mode == SimMode.LIVE ? 100 : 25;
    }
  }

  /**
   * Simulated server time: log-normal per endpoint class, median and 99th percentile in ms.
   *
   * @param enabled false answers at once
   * @param readMedianMs retrieve of one object
   * @param listMedianMs lists and searches
   * @param writeMedianMs creates, updates, deletes
   * @param paymentMedianMs confirms, charges, captures, subscriptions (card network work)
   * @param tailFactor p99 / median for every class (heavier tails with larger values)
   */
  public record Latency(
      boolean enabled,
      double readMedianMs,
      double listMedianMs,
      double writeMedianMs,
      double paymentMedianMs,
      double tailFactor) {

    public Latency {
      if (readMedianMs < 0 || listMedianMs < 0 || writeMedianMs < 0 || paymentMedianMs < 0) {
        throw new IllegalArgumentException("latency medians must not be negative");
      }
      if (tailFactor < 1) {
        throw new IllegalArgumentException("tailFactor must be >= 1: " + tailFactor);
      }
    }

    /** Near real Stripe (no official figures exist; see the wire facts). */
    public static Latency realistic() {
      return new Latency(true, 250, 350, 500, 900, 3.5);
    }

    /** Answers at once. */
    public static Latency off() {
      return new Latency(false, 0, 0, 0, 0, 1);
    }
  }

  /**
   * Webhook delivery timing and the ways Stripe's deliveries misbehave.
   *
   * @param delayMillis wait before the first attempt
   * @param retryBaseMillis first retry delay; doubles per attempt (Stripe: about an hour)
   * @param maxAttempts attempts per delivery before giving up
   * @param timeoutMillis how long an endpoint may take to answer
   * @param dropRate share of deliveries never attempted (the event still lists as undelivered)
   * @param duplicateRate share of deliveries sent twice
   * @param reorderRate share of deliveries held back by up to {@code reorderWindowMillis}
   * @param reorderWindowMillis how far a reordered delivery is held back
   */
  public record Webhooks(
      long delayMillis,
      long retryBaseMillis,
      int maxAttempts,
      long timeoutMillis,
      double dropRate,
      double duplicateRate,
      double reorderRate,
      long reorderWindowMillis) {

    public Webhooks {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1: " + maxAttempts);
      }
      for (double rate : new double[] {dropRate, duplicateRate, reorderRate}) {
        if (rate < 0 || rate > 1) {
          throw new IllegalArgumentException("rates must be within 0..1: " + rate);
        }
      }
    }

    /** Prompt, well-behaved deliveries with retries compressed to seconds. */
    public static Webhooks defaults() {
      return new Webhooks(0, 1000, 8, 10_000, 0, 0, 0, 500);
    }
  }

  /**
   * One injected failure.
   *
   * @param kind what happens
   * @param rate share of matching requests hit, 0..1
   * @param endpoint {@code "POST /v1/customers"}-style endpoint or path prefix; null for all
   * @param remaining hit only the next N matching requests; null for no limit
   * @param account only requests acting as this account ({@code acct_…}: the key's own, or the
   *     connected account named by {@code Stripe-Account}); null for all
   * @param delayMs for {@link FaultKind#DELAY}: the extra wait before the usual answer
   */
  public record FaultRule(
      FaultKind kind,
      double rate,
      @Nullable String endpoint,
      @Nullable Integer remaining,
      @Nullable String account,
      long delayMs) {

    public FaultRule {
      if (rate < 0 || rate > 1) {
        throw new IllegalArgumentException("fault rate must be within 0..1: " + rate);
      }
      if (remaining != null && remaining < 0) {
        throw new IllegalArgumentException("remaining must not be negative: " + remaining);
      }
      if (delayMs < 0 || (kind == FaultKind.DELAY) != (delayMs > 0)) {
        throw new IllegalArgumentException(
            "delayMs must be positive for DELAY and absent otherwise: " + kind + ", " + delayMs);
      }
    }

    /** A rule for every account. */
    public FaultRule(
        FaultKind kind, double rate, @Nullable String endpoint, @Nullable Integer remaining) {
      this(kind, rate, endpoint, remaining, null, 0);
    }

    /** Requests to {@code endpoint} wait {@code delayMs} longer, then answer as usual. */
    public static FaultRule delay(String endpoint, long delayMs) {
      return new FaultRule(FaultKind.DELAY, 1.0, endpoint, null, null, delayMs);
    }

    /** This rule for requests acting as {@code account} only. */
    public FaultRule forAccount(String account) {
      return new FaultRule(kind, rate, endpoint, remaining, account, delayMs);
    }
  }

  /** The failures the simulator can inject. */
  public enum FaultKind {
    /** 500 {@code api_error}, stored by idempotency like a real one. */
    ERROR_500,
    /** 503 without a body Stripe would send from its load balancer. */
    ERROR_503,
    /** Never answers; the connection stays open until the client gives up. */
    HANG,
    /** Closes the connection without an answer. */
    RESET,
    /** Sends the headers, then the body a few bytes at a time. */
    SLOW_BODY,
    /** Waits the rule's {@code delayMs} longer, then answers as usual: a slow endpoint. */
    DELAY
  }
}
