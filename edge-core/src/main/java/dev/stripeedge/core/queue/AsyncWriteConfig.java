package dev.stripeedge.core.queue;

import dev.stripeedge.core.Secret;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Asynchronous writes ({@code Prefer: respond-async}): how much the queue holds, how workers drain
 * it, how long results are kept, which routes are asynchronous by default or never. Immutable; the
 * constructor validates and names the bad value.
 *
 * @param enabled whether the edge accepts asynchronous writes at all; off, every write is
 *     synchronous and {@code Prefer: respond-async} is ignored (RFC 7240 lets a server ignore it)
 * @param queue the work queue backend's name ({@code sqlite}, the embedded default in {@code
 *     store.path}; {@code sqs}; {@code kafka}), found on the class path
 * @param poll whether this edge's own workers take writes from the queue and apply them; false in
 *     an edge that only accepts (enqueues) them while another process applies them, such as the
 *     SQS-triggered worker function in Lambda. It still serves their status, purges and sends the
 *     callbacks of outcomes it records
 * @param queueOptions the backend's own settings (e.g. {@code queueName}, {@code region}, {@code
 *     endpoint} for {@code sqs}), checked by the backend when it opens. Copied
 * @param maxQueued most writes waiting or in flight at once; beyond it a write asking for
 *     asynchronous handling gets a 503 with {@code Retry-After}, nothing accepted
 * @param concurrency most writes a worker pool has in flight at once (the budget shapes them
 *     further)
 * @param pollInterval how often idle workers look for due writes
 * @param visibilityTimeout how long a delivered write is hidden from other workers; a worker that
 *     died holding it (a crash, a kill) gives it back after this long. Keep it above the retry
 *     deadline: a write redelivered while its first attempt still runs is safe (same key: Stripe
 *     answers 409 and the worker tries again) but wasteful
 * @param maxAttempts deliveries of one write before it is dead (each delivery runs the pipeline's
 *     own retries)
 * @param backoffBase first delay between deliveries; doubles, full jitter
 * @param backoffCap largest delay between deliveries
 * @param keyWindow how long after acceptance a write may still be sent under its idempotency key;
 *     past it the write is dead instead of being sent again (Stripe forgets keys after 24 h, so a
 *     resend might be applied twice)
 * @param retention how long a finished write's status (and result) is kept, then purged
 * @param routes per route ({@code "POST /v1/customers/{id}"}): {@link AsyncRoute#BY_DEFAULT} makes
 *     it asynchronous without the header, {@link AsyncRoute#FORBIDDEN} refuses the header with a
 *     400; routes not listed are {@link AsyncRoute#ON_REQUEST}. Copied
 * @param callbackSecret the edge's own secret signing completion callbacks ({@code
 *     Stripe-Signature}, as Stripe signs webhooks); empty = callbacks refused
 * @param callbackUrls the per-route callback URLs (same keys as {@code routes}); a write's own
 *     {@code Stripe-Edge-Callback} header wins. Copied
 * @param callbackMaxAttempts attempts per callback before it is given up
 * @param callbackTimeout one callback attempt's limit
 * @param callbacks where callbacks may go ({@code allowedHosts}, checked by {@link CallbackRule});
 *     empty = every callback refused
 */
public record AsyncWriteConfig(
    boolean enabled,
    String queue,
    boolean poll,
    Map<String, String> queueOptions,
    int maxQueued,
    int concurrency,
    Duration pollInterval,
    Duration visibilityTimeout,
    int maxAttempts,
    Duration backoffBase,
    Duration backoffCap,
    Duration keyWindow,
    Duration retention,
    Map<String, AsyncRoute> routes,
    Secret callbackSecret,
    Map<String, String> callbackUrls,
    int callbackMaxAttempts,
    Duration callbackTimeout,
    Callbacks callbacks) {

  private static final Pattern QUEUE_NAME = Pattern.compile("[a-z][a-z0-9-]*");
  private static final Pattern ROUTE_KEY = Pattern.compile("(POST|DELETE) /v[12]/[^ ]*");

  /**
   * Where completion callbacks may be sent.
   *
   * @param allowedHosts host names ({@code hooks.example.com}), wildcards ({@code *.example.com},
   *     {@code *}) and IPs a callback URL may name; see {@link CallbackRule}. Copied
   */
  public record Callbacks(List<String> allowedHosts) {
    public Callbacks {
      allowedHosts = List.copyOf(allowedHosts);
      new CallbackRule(allowedHosts);
    }

    /** No host allowed: callbacks refused. */
    public static Callbacks none() {
      return new Callbacks(List.of());
    }

    /** The rule these settings make. */
    public CallbackRule rule() {
      return new CallbackRule(allowedHosts);
    }
  }

  /** What a route does with {@code Prefer: respond-async}. */
  public enum AsyncRoute {
    /** Asynchronous when the request asks for it, else synchronous. */
    ON_REQUEST,
    /** Asynchronous always: a request without the preference is queued too. */
    BY_DEFAULT,
    /** Never asynchronous: a request asking for it gets a 400 (it needs its answer now). */
    FORBIDDEN
  }

  public AsyncWriteConfig {
    if (!QUEUE_NAME.matcher(queue).matches()) {
      throw new IllegalArgumentException(
          "asyncWrites.queue names a work queue backend (sqlite, sqs, kafka): " + queue);
    }
    queueOptions = Map.copyOf(queueOptions);
    if (maxQueued < 1) {
      throw new IllegalArgumentException("asyncWrites.maxQueued must be positive: " + maxQueued);
    }
    if (concurrency < 1) {
      throw new IllegalArgumentException(
          "asyncWrites.concurrency must be positive: " + concurrency);
    }
    positive("pollInterval", pollInterval);
    positive("visibilityTimeout", visibilityTimeout);
    positive("backoffBase", backoffBase);
    positive("keyWindow", keyWindow);
    positive("retention", retention);
    positive("callbackTimeout", callbackTimeout);
    if (backoffCap.compareTo(backoffBase) < 0) {
      throw new IllegalArgumentException(
          "asyncWrites.backoffCap must be at least backoffBase: " + backoffCap);
    }
    if (keyWindow.compareTo(Duration.ofHours(24)) > 0) {
      throw new IllegalArgumentException(
          "asyncWrites.keyWindow must be at most 24 h (Stripe's idempotency window): " + keyWindow);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException(
          "asyncWrites.maxAttempts must be positive: " + maxAttempts);
    }
    if (callbackMaxAttempts < 1) {
      throw new IllegalArgumentException(
          "asyncWrites.callbackMaxAttempts must be positive: " + callbackMaxAttempts);
    }
    routes = Map.copyOf(routes);
    callbackUrls = Map.copyOf(callbackUrls);
    for (String key : routes.keySet()) {
      checkRouteKey(key);
    }
    if (!callbackUrls.isEmpty() && callbackSecret.isEmpty()) {
      throw new IllegalArgumentException(
          "asyncWrites.callbackUrls need asyncWrites.callbackSecret"
              + " (STRIPE_EDGE_ASYNC_CALLBACK_SECRET) to sign the callbacks");
    }
    CallbackRule rule = callbacks.rule();
    for (Map.Entry<String, String> entry : callbackUrls.entrySet()) {
      checkRouteKey(entry.getKey());
      String refusal = rule.refusal(entry.getValue());
      if (refusal != null) {
        throw new IllegalArgumentException(
            "asyncWrites.callbackUrls[" + entry.getKey() + "]: " + refusal);
      }
    }
  }

  /**
   * On, queued in SQLite and polled by this edge's workers, 100,000 writes at most, 32 in flight,
   * polled every 50 ms, 2 min visibility, 8 deliveries with 1 s–5 min backoff, dead 23 h after
   * acceptance, results kept 24 h; confirming a PaymentIntent or SetupIntent forbidden; no
   * callbacks.
   */
  public static AsyncWriteConfig defaults() {
    return new AsyncWriteConfig(
        true,
        "sqlite",
        true,
        Map.of(),
        100_000,
        // Enough in flight to keep one endpoint's budget (24/s live) busy at up to 1.3 s per
        // write (Little's law: 24/s × 1.3 s), few enough to queue under the background lane's
        // 2 s longest wait in the budget when writes are fast (32 / 24/s); decision 42.
        32,
        Duration.ofMillis(50),
        Duration.ofMinutes(2),
        8,
        Duration.ofSeconds(1),
        Duration.ofMinutes(5),
        Duration.ofHours(23),
        Duration.ofHours(24),
        Map.of(
            "POST /v1/payment_intents/{id}/confirm", AsyncRoute.FORBIDDEN,
            "POST /v1/setup_intents/{id}/confirm", AsyncRoute.FORBIDDEN),
        Secret.none(),
        Map.of(),
        8,
        Duration.ofSeconds(10),
        Callbacks.none());
  }

  /** A builder starting from these settings; {@link Builder#build} validates. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Changes some settings of an {@link AsyncWriteConfig}; not thread-safe. */
  public static final class Builder {
    private boolean enabled;
    private String queue;
    private boolean poll;
    private Map<String, String> queueOptions;
    private int maxQueued;
    private int concurrency;
    private Duration pollInterval;
    private Duration visibilityTimeout;
    private int maxAttempts;
    private Duration backoffBase;
    private Duration backoffCap;
    private Duration keyWindow;
    private Duration retention;
    private Map<String, AsyncRoute> routes;
    private Secret callbackSecret = Secret.none();
    private Map<String, String> callbackUrls;
    private int callbackMaxAttempts;
    private Duration callbackTimeout;
    private Callbacks callbacks;

    private Builder(AsyncWriteConfig from) {
      enabled = from.enabled;
      queue = from.queue;
      poll = from.poll;
      queueOptions = from.queueOptions;
      maxQueued = from.maxQueued;
      concurrency = from.concurrency;
      pollInterval = from.pollInterval;
      visibilityTimeout = from.visibilityTimeout;
      maxAttempts = from.maxAttempts;
      backoffBase = from.backoffBase;
      backoffCap = from.backoffCap;
      keyWindow = from.keyWindow;
      retention = from.retention;
      routes = from.routes;
      callbackSecret = from.callbackSecret;
      callbackUrls = from.callbackUrls;
      callbackMaxAttempts = from.callbackMaxAttempts;
      callbackTimeout = from.callbackTimeout;
      callbacks = from.callbacks;
    }

    public Builder enabled(boolean value) {
      enabled = value;
      return this;
    }

    /** The work queue backend and its own settings. */
    public Builder queue(String name, Map<String, String> options) {
      queue = name;
      queueOptions = options;
      return this;
    }

    /** Whether this edge's workers poll the queue (false: it only accepts writes). */
    public Builder poll(boolean value) {
      poll = value;
      return this;
    }

    public Builder maxQueued(int value) {
      maxQueued = value;
      return this;
    }

    public Builder visibilityTimeout(Duration value) {
      visibilityTimeout = value;
      return this;
    }

    public Builder maxAttempts(int value) {
      maxAttempts = value;
      return this;
    }

    /** Delays between deliveries: {@code base} doubling up to {@code cap}. */
    public Builder backoff(Duration base, Duration cap) {
      backoffBase = base;
      backoffCap = cap;
      return this;
    }

    /** Replaces the per-route modes ({@code "POST /v1/customers/{id}"} → mode). */
    public Builder routes(Map<String, AsyncRoute> value) {
      routes = value;
      return this;
    }

    public Builder callbackSecret(String value) {
      callbackSecret = Secret.of(value);
      return this;
    }

    /** Replaces the per-route callback URLs ({@code "POST /v1/customers/{id}"} → URL). */
    public Builder callbackUrls(Map<String, String> value) {
      callbackUrls = value;
      return this;
    }

    /** The hosts callbacks may go to ({@code asyncWrites.callbacks.allowedHosts}). */
    public Builder callbackHosts(List<String> allowedHosts) {
      callbacks = new Callbacks(allowedHosts);
      return this;
    }

    /**
     * The settings.
     *
     * @throws IllegalArgumentException a value out of range, named in the message
     */
    public AsyncWriteConfig build() {
      return new AsyncWriteConfig(
          enabled,
          queue,
          poll,
          queueOptions,
          maxQueued,
          concurrency,
          pollInterval,
          visibilityTimeout,
          maxAttempts,
          backoffBase,
          backoffCap,
          keyWindow,
          retention,
          routes,
          callbackSecret,
          callbackUrls,
          callbackMaxAttempts,
          callbackTimeout,
          callbacks);
    }
  }

  private static void positive(String name, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException("asyncWrites." + name + " must be positive: " + value);
    }
  }

  private static void checkRouteKey(String key) {
    if (!ROUTE_KEY.matcher(key).matches()) {
      throw new IllegalArgumentException(
          "asyncWrites routes are keyed \"POST /v1/template\" or \"DELETE /v1/template\": " + key);
    }
  }
}
