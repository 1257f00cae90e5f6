package dev.stripeedge.core.isolation;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.stripeedge.core.EdgeHeaders;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.StripeRoutes;
import dev.stripeedge.core.Ticker;
import dev.stripeedge.core.internal.ApiKeyHasher;
import dev.stripeedge.core.internal.ApiKeys;
import dev.stripeedge.core.internal.StripeErrors;
import dev.stripeedge.core.internal.TickerClock;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Containment: before each upstream attempt, the route's circuit breaker and (for a flagged key
 * only) the key's bulkhead; after it, the answer counted for the breaker and {@link Anomalies}.
 * Both mechanisms are resilience4j's. Thread-safe; never blocks.
 *
 * <p>The breaker is per key (account, connected account, route; one pipeline has one upstream): a
 * connected account failing on {@code POST /v1/payment_intents} must not stop the platform's own
 * creates on that route, which a breaker per route did (measured, {@code bench isolation}). A route
 * failing for everyone opens every key's breaker, each after its own {@code minCalls}. At most
 * {@link #MAX_BREAKERS} are kept, the least recently used dropped (a dropped breaker is closed: its
 * key has been quiet). A flagged key's bulkhead holds {@link IsolationConfig.Bulkhead#slots} of its
 * account's in-flight slots; taken before the budget, it bounds the key's budget spending too.
 */
public final class Isolation {

  private static final System.Logger log = System.getLogger(Isolation.class.getName());

  private final IsolationConfig config;
  private final Ticker ticker;
  private final MeterRegistry meters;
  private final Anomalies anomalies;
  private final ApiKeyHasher hasher;
  private final int bulkheadSlots;
  private final CircuitBreakerConfig breakerConfig;

  /** {@code Stripe-Edge-Refused} of an attempt refused because its key's breaker is open. */
  public static final String CIRCUIT_OPEN = "circuit-open";

  /**
   * {@code Stripe-Edge-Refused} of an attempt refused because its flagged key's bulkhead is full.
   */
  public static final String BULKHEAD = "bulkhead";

  // Retry-After while half-open: its probes are on their way, the answer is a second off.
  private static final Duration HALF_OPEN_RETRY = Duration.ofSeconds(1);

  /** Breakers kept at most: one per key seen recently (connected accounts can be many). */
  static final int MAX_BREAKERS = 10_000;

  private final Cache<IsolationKey, CircuitBreaker> breakers =
      Caffeine.newBuilder().maximumSize(MAX_BREAKERS).build();
  private final Set<String> breakerGauges = ConcurrentHashMap.newKeySet();
  private final Map<IsolationKey, Bulkhead> bulkheads = new ConcurrentHashMap<>();
  // Permits a new bulkhead took for calls already in flight when its key was flagged: each such
  // call gives one back when it ends, so the key's share counts them from the start.
  private final Map<IsolationKey, AtomicInteger> borrowed = new ConcurrentHashMap<>();

  /** Upstream's 5xx, as the breaker's failure: one instance, no stack trace. */
  private static final RuntimeException SERVER_ERROR =
      new RuntimeException("upstream answered 5xx", null, false, false) {};

  /**
   * @param accountSlots an account's in-flight slots (the budget's concurrency per account)
   * @param secret the key that hashes API keys into account names
   */
  public Isolation(
      IsolationConfig config,
      int accountSlots,
      byte[] secret,
      Ticker ticker,
      Clock clock,
      MeterRegistry meters) {
    this.config = config;
    this.ticker = ticker;
    this.meters = meters;
    this.anomalies = new Anomalies(config.detection(), ticker, clock, meters);
    this.hasher = new ApiKeyHasher(secret);
    this.bulkheadSlots = config.bulkhead().slots(accountSlots);
    IsolationConfig.Breaker breaker = config.breaker();
    this.breakerConfig =
        CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
            .slidingWindowSize((int) Math.max(1, breaker.window().toSeconds()))
            .minimumNumberOfCalls(breaker.minCalls())
            .failureRateThreshold(breaker.failureRate())
            .waitDurationInOpenState(breaker.openFor())
            .permittedNumberOfCallsInHalfOpenState(breaker.probes())
            .automaticTransitionFromOpenToHalfOpenEnabled(false)
            .clock(new TickerClock(ticker))
            // Slow calls are detection's business, not the breaker's.
            .slowCallDurationThreshold(Duration.ofDays(1))
            .build();
    // A flagged key gets its bulkhead at once; a cleared one loses it (in-flight calls finish on
    // the old one, which nobody asks again).
    anomalies.onChange(
        flag -> {
          if (flag.until() == null) {
            bulkheads.put(flag.key(), newBulkhead(flag.key(), flag.figures().inFlight()));
          } else {
            bulkheads.remove(flag.key());
            borrowed.remove(flag.key());
          }
        });
  }

  /** Detection's flags (for {@code GET /admin/anomalies}). */
  public Anomalies anomalies() {
    return anomalies;
  }

  /** The breakers' states by key (for {@code GET /admin/anomalies}). */
  public Map<String, String> breakerStates() {
    Map<String, String> states = new java.util.TreeMap<>();
    breakers
        .asMap()
        .forEach((key, breaker) -> states.put(key.toString(), breaker.getState().name()));
    return states;
  }

  /** What {@link #enter} decided: a closed choice. */
  public sealed interface Pass {}

  /** Let through: report the attempt's end to {@link Admitted#done} exactly once. */
  public static final class Admitted implements Pass {
    private final Isolation isolation;
    private final IsolationKey key;
    private final CircuitBreaker breaker;
    private final @Nullable Bulkhead bulkhead;
    private long began;
    private @Nullable KeyStats stats;

    private Admitted(
        Isolation isolation,
        IsolationKey key,
        CircuitBreaker breaker,
        @Nullable Bulkhead bulkhead) {
      this.isolation = isolation;
      this.key = key;
      this.breaker = breaker;
      this.bulkhead = bulkhead;
      this.began = isolation.ticker.nanos();
    }

    /** The attempt is sent now (after the budget's wait, which is not upstream's latency). */
    public void sending() {
      stats = isolation.anomalies.begin(key);
      began = isolation.ticker.nanos();
    }

    /** The attempt never went upstream (the budget refused it): releases what it held. */
    public void abandoned() {
      breaker.releasePermission();
      if (bulkhead != null) {
        bulkhead.onComplete();
      }
    }

    /**
     * The attempt ended: {@code status} upstream's answer, or null for a timeout or lost connection
     * ({@code failure}).
     */
    public void done(@Nullable Integer status, @Nullable Throwable failure) {
      long nanos = isolation.ticker.nanos() - began;
      if (bulkhead != null) {
        bulkhead.onComplete();
      } else {
        isolation.returnBorrowed(key);
      }
      DecayingWindow.Answer answer;
      if (status == null || status >= 500) {
        answer = DecayingWindow.Answer.ERROR;
        breaker.onError(nanos, TimeUnit.NANOSECONDS, failure != null ? failure : SERVER_ERROR);
      } else if (status == 429) {
        answer = DecayingWindow.Answer.THROTTLED;
        breaker.releasePermission(); // Stripe's limits, not its health
      } else {
        answer = DecayingWindow.Answer.OK;
        breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
      }
      KeyStats begun = stats;
      if (begun != null) {
        isolation.anomalies.end(begun, began, answer);
      } else {
        isolation.anomalies.record(key, nanos, answer);
      }
    }
  }

  /**
   * Refused by the edge: the response to answer with ({@code 503}, Stripe's error shape, {@code
   * Retry-After}, {@code Stripe-Edge-Refused}).
   */
  public record Shed(EdgeResponse response) implements Pass {}

  /** The key of {@code request} on {@code route}. */
  public IsolationKey keyOf(EdgeRequest request, Route route) {
    String apiKey = ApiKeys.of(request);
    String account = apiKey == null ? "-" : hasher.hash(apiKey).substring(0, 12);
    String connected = request.header("stripe-account");
    return new IsolationKey(
        account,
        connected == null ? "" : connected.strip(),
        StripeRoutes.methodLabel(request.method()) + ' ' + StripeRoutes.label(route));
  }

  /** Before one attempt of {@code request}: through the route's breaker and the key's bulkhead. */
  public Pass enter(EdgeRequest request, Route route) {
    IsolationKey key = keyOf(request, route);
    CircuitBreaker breaker = breakers.get(key, this::newBreaker);
    if (!breaker.tryAcquirePermission()) {
      shed(key, "breaker");
      // Open: come back when it may probe; half-open (probes in flight): in a second.
      Duration retryAfter =
          breaker.getState() == CircuitBreaker.State.HALF_OPEN
              ? HALF_OPEN_RETRY
              : config.breaker().openFor();
      return new Shed(
          refusal(
              CIRCUIT_OPEN,
              "Stripe has been failing on "
                  + key.route()
                  + ": the edge stopped sending to it for a while. Retry later.",
              retryAfter));
    }
    Bulkhead bulkhead = anomalies.isFlagged(key) ? bulkheads.get(key) : null;
    if (bulkhead != null && !bulkhead.tryAcquirePermission()) {
      breaker.releasePermission();
      shed(key, "bulkhead");
      return new Shed(
          refusal(
              BULKHEAD,
              "Requests like this one ("
                  + key.route()
                  + ") are slow or failing at Stripe just now; the edge lets only "
                  + bulkheadSlots
                  + " of them run at once. Retry later.",
              config.detection().evaluateEvery()));
    }
    return new Admitted(this, key, breaker, bulkhead);
  }

  private void shed(IsolationKey key, String cause) {
    Counter.builder("edge.isolation.shed")
        .description("attempts the edge refused: an open breaker or a full bulkhead")
        .tag("route", key.route())
        .tag("cause", cause)
        .register(meters)
        .increment();
  }

  private static EdgeResponse refusal(String code, String message, Duration retryAfter) {
    long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    return StripeErrors.response(503, "api_error", code, message)
        .withHeaders(Map.of("Retry-After", Long.toString(seconds), EdgeHeaders.REFUSED, code));
  }

  private CircuitBreaker newBreaker(IsolationKey key) {
    CircuitBreaker breaker = CircuitBreaker.of(key.toString(), breakerConfig);
    breaker
        .getEventPublisher()
        .onStateTransition(
            event ->
                log.log(
                    System.Logger.Level.WARNING,
                    "isolation: breaker "
                        + key
                        + " "
                        + event.getStateTransition().getFromState()
                        + " -> "
                        + event.getStateTransition().getToState()));
    String route = key.route();
    if (breakerGauges.add(route)) {
      // Per route, not per key: a tag per connected account would be unbounded.
      Gauge.builder("edge.isolation.breaker.state", this, isolation -> isolation.worstState(route))
          .description(
              "circuit breakers per route: 1 if one is open, 2 if one is half-open, else 0")
          .tag("route", route)
          .register(meters);
    }
    return breaker;
  }

  /** The worst state among the route's breakers: open, then half-open, then closed. */
  private double worstState(String route) {
    double worst = 0;
    for (Map.Entry<IsolationKey, CircuitBreaker> entry : breakers.asMap().entrySet()) {
      if (entry.getKey().route().equals(route)) {
        double code = stateCode(entry.getValue().getState());
        if (code == 1) {
          return 1;
        }
        worst = Math.max(worst, code);
      }
    }
    return worst;
  }

  private static double stateCode(CircuitBreaker.State state) {
    return switch (state) {
      case OPEN, FORCED_OPEN -> 1;
      case HALF_OPEN -> 2;
      default -> 0;
    };
  }

  private Bulkhead newBulkhead(IsolationKey key, int inFlight) {
    Bulkhead bulkhead =
        Bulkhead.of(
            key.toString(),
            BulkheadConfig.custom()
                .maxConcurrentCalls(bulkheadSlots)
                .maxWaitDuration(Duration.ZERO)
                .build());
    int taken = 0;
    while (taken < Math.min(inFlight, bulkheadSlots) && bulkhead.tryAcquirePermission()) {
      taken++;
    }
    borrowed.put(key, new AtomicInteger(taken));
    return bulkhead;
  }

  /** A call admitted before its key had a bulkhead ended: gives back a permit taken for it. */
  private void returnBorrowed(IsolationKey key) {
    AtomicInteger count = borrowed.get(key);
    if (count != null && count.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
      Bulkhead bulkhead = bulkheads.get(key);
      if (bulkhead != null) {
        bulkhead.onComplete();
      }
    }
  }

  /** The routes with a breaker (tests). */
  List<String> breakerRoutes() {
    return breakers.asMap().keySet().stream().map(IsolationKey::route).distinct().toList();
  }
}
