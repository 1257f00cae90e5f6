package dev.stripeedge.runtime;

import dev.stripeedge.core.CacheConfig;
import dev.stripeedge.core.IdempotencyConfig;
import dev.stripeedge.core.RetryConfig;
import dev.stripeedge.core.Secret;
import dev.stripeedge.core.SizingConfig;
import dev.stripeedge.core.budget.BudgetConfig;
import dev.stripeedge.core.isolation.IsolationConfig;
import dev.stripeedge.core.queue.AsyncWriteConfig;
import dev.stripeedge.core.tier.TierKeys;
import dev.stripeedge.core.webhooks.ForwardConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the edge is configured with, bound from YAML and the environment by {@link
 * EdgeSettingsLoader} straight onto the core's own config records ({@link CacheConfig}, {@link
 * RetryConfig}, {@link BudgetConfig}, …) and the store backends' settings, so a knob is added in
 * one place. Durations are {@link Duration}s ({@code 30s}, {@code 250ms} in YAML); every secret is
 * a {@link Secret}, so printing settings never shows one. Immutable; {@link #with} gives a copy
 * with one value changed, checked as a file's would be.
 *
 * @param host address the proxy listener binds; loopback by default
 * @param port port of the proxy listener; 0 picks a free one
 * @param upstream where Stripe is: {@code https://api.stripe.com}, or a simulator (no path)
 * @param maxBodyBytes largest request body accepted
 * @param headerTimeout longest a request head may take to arrive, from its first byte; then 408
 * @param cache what is cached and for how long
 * @param cacheKeySecret base64 of the secret (at least 32 bytes) that hashes API keys into cache
 *     keys; none: one kept in the store file, else random per process. Edges sharing a tier or a
 *     budget need the same one ({@code STRIPE_EDGE_CACHE_KEY_SECRET})
 * @param sizing sampling of the traffic for {@code /admin/sizing}
 * @param retry retries of upstream calls
 * @param idempotency the memory of unkeyed writes' keys after an ambiguous outcome
 * @param isolation detection and containment of slow or failing accounts and routes
 * @param webhooks the webhook receiver and forwarding
 * @param reconcile the background reconciler and drift audit
 * @param store the durable store of webhook events
 * @param budget spending of Stripe's rate limits
 * @param tiers the cache tiers below memory, and their encryption at rest
 * @param listeners TLS of the proxy listener, the admin listener, the webhook listener
 * @param asyncWrites asynchronous writes ({@code Prefer: respond-async}) through the durable queue
 * @param accessLog the one line per request and per operator event, and its rate cap
 */
public record EdgeSettings(
    String host,
    int port,
    String upstream,
    int maxBodyBytes,
    Duration headerTimeout,
    CacheConfig cache,
    Secret cacheKeySecret,
    SizingConfig sizing,
    RetryConfig retry,
    IdempotencyConfig idempotency,
    IsolationConfig isolation,
    Webhooks webhooks,
    Reconcile reconcile,
    Store store,
    Budget budget,
    Tiers tiers,
    Listeners listeners,
    AsyncWriteConfig asyncWrites,
    AccessLog accessLog) {

  // Over 400 lines: the whole configuration, each setting documented where it is declared; most
  // lines are Javadoc. The section records stay nested so callers keep naming them
  // EdgeSettings.Tls,
  // EdgeSettings.Listeners…; their loading is EdgeSettingsLoader's.

  public EdgeSettings {
    checkPort("port", port);
    URI uri;
    try {
      uri = URI.create(upstream);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("upstream must be an http(s) URL: " + upstream);
    }
    if (uri.getScheme() == null
        || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
        || uri.getHost() == null) {
      throw new IllegalArgumentException("upstream must be an http(s) URL: " + upstream);
    }
    if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
      // Clients send /v1/…; an upstream of …/v1 would call /v1/v1/… and every call would 404.
      throw new IllegalArgumentException(
          "upstream must have no path (the edge adds /v1/…): " + upstream);
    }
    if (maxBodyBytes < 1024) {
      throw new IllegalArgumentException("maxBodyBytes must be at least 1024: " + maxBodyBytes);
    }
    if (headerTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("headerTimeout must be at least 1s: " + headerTimeout);
    }
    if (!cacheKeySecret.isEmpty()) {
      decodeKeySecret(cacheKeySecret);
    }
    if (port != 0 && port == listeners.admin().port()) {
      throw new IllegalArgumentException(
          "port and listeners.admin.port are both " + port + ": the admin listener needs its own");
    }
    if (port != 0 && listeners.webhooks().enabled() && port == listeners.webhooks().port()) {
      throw new IllegalArgumentException(
          "port and listeners.webhooks.port are both " + port + ": give the webhooks their own");
    }
    if (budget.enabled() && budget.shared().anyEnabled() && cacheKeySecret.isEmpty()) {
      // Each edge's own secret would name one Stripe account differently on every edge.
      throw new IllegalArgumentException(
          "budget.shared needs cacheKeySecret (or STRIPE_EDGE_CACHE_KEY_SECRET), the same on every"
              + " edge sharing the budget");
    }
    if (tiers.anyShared() && cacheKeySecret.isEmpty() && store.backend().equals("sqlite")) {
      // Each edge would hash API keys differently: no entry could be found by another edge. A
      // shared event store keeps one secret for every edge (the first creates it, decision 30).
      throw new IllegalArgumentException(
          "tiers "
              + tiers.sharedEnabled()
              + " are shared between edges: give them one cacheKeySecret"
              + " (STRIPE_EDGE_CACHE_KEY_SECRET) or a shared store.backend (redis, dynamodb)");
    }
  }

  /** The defaults, with every store backend on the class path at its defaults. */
  public static EdgeSettings defaults() {
    return EdgeSettingsLoader.load(null, Map.of());
  }

  /**
   * These settings with the value at {@code path} (dotted, as in YAML: {@code
   * "listeners.admin.port"}) replaced, checked as a file's value would be.
   *
   * @throws IllegalArgumentException no such setting, or the value is not valid there
   */
  public EdgeSettings with(String path, Object value) {
    return EdgeSettingsLoader.override(this, Map.of(path, value));
  }

  /** {@link #with(String, Object)} for each of {@code values}, checked together. */
  public EdgeSettings with(Map<String, ?> values) {
    return EdgeSettingsLoader.override(this, values);
  }

  /** Whether anything needs the event store: a webhook secret or a reconciliation key. */
  public boolean needsStore() {
    return webhooks.anySecret() || !reconcile.apiKey().isEmpty();
  }

  /** The decoded {@link #cacheKeySecret}, or null when none is configured. */
  public byte @org.jspecify.annotations.Nullable [] cacheKeySecretBytes() {
    return cacheKeySecret.isEmpty() ? null : decodeKeySecret(cacheKeySecret);
  }

  private static byte[] decodeKeySecret(Secret base64) {
    byte[] secret;
    try {
      secret = Base64.getDecoder().decode(base64.reveal());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cacheKeySecret is not base64");
    }
    if (secret.length < 32) {
      throw new IllegalArgumentException(
          "cacheKeySecret must hold at least 32 bytes, not " + secret.length);
    }
    return secret;
  }

  private static void checkPort(String name, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(name + " must be 0..65535: " + port);
    }
  }

  /**
   * The webhook receiver. With no secret it is off: the path answers 503 rather than accepting
   * unsigned events.
   *
   * @param path where Stripe delivers, e.g. {@code /webhooks/stripe}
   * @param secrets the endpoint's signing secrets ({@code whsec_…}); several during rotation
   * @param endpoints further endpoints with their own secrets (e.g. the Connect endpoint); each
   *     path is verified only with its own secrets
   * @param tolerance how old a signature's timestamp may be (Stripe's libraries: 5 minutes)
   * @param maxPayloadBytes larger deliveries are refused with 413
   * @param forwarding the application's endpoints each verified event is forwarded to, re-signed
   *     with the application's own secret
   */
  public record Webhooks(
      String path,
      List<Secret> secrets,
      List<Endpoint> endpoints,
      Duration tolerance,
      int maxPayloadBytes,
      ForwardConfig forwarding) {

    public Webhooks {
      checkPath("webhooks.path", path);
      secrets = nonEmpty(secrets);
      endpoints = List.copyOf(endpoints);
      Set<String> paths = new HashSet<>(List.of(path));
      for (Endpoint endpoint : endpoints) {
        if (!paths.add(endpoint.path())) {
          throw new IllegalArgumentException(
              "webhooks.endpoints: the path " + endpoint.path() + " is used twice");
        }
      }
      if (tolerance.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("webhooks.tolerance must be at least 1s: " + tolerance);
      }
      if (maxPayloadBytes < 1024) {
        throw new IllegalArgumentException(
            "webhooks.maxPayloadBytes must be at least 1024: " + maxPayloadBytes);
      }
    }

    /** Whether any endpoint can verify deliveries. */
    public boolean anySecret() {
      return !secrets.isEmpty() || !endpoints.isEmpty();
    }
  }

  /**
   * A further webhook endpoint of the edge, e.g. the Connect endpoint Stripe delivers connected
   * accounts' events to; it shares the ledger, so an event delivered to two endpoints is applied
   * once.
   *
   * @param path where Stripe delivers, e.g. {@code /webhooks/connect}
   * @param secrets its signing secrets ({@code whsec_…}), at least one
   */
  public record Endpoint(String path, List<Secret> secrets) {

    public Endpoint {
      checkPath("webhooks.endpoints[].path", path);
      secrets = nonEmpty(secrets);
      if (secrets.isEmpty()) {
        throw new IllegalArgumentException(
            "webhooks.endpoints[" + path + "] needs at least one signing secret");
      }
    }
  }

  private static void checkPath(String name, String path) {
    if (!path.startsWith("/") || path.startsWith("/v1/") || path.startsWith("/v2/")) {
      throw new IllegalArgumentException(
          name + " must start with '/' and not be under /v1/ or /v2/: " + path);
    }
    if (path.startsWith("/admin/")) {
      throw new IllegalArgumentException(name + " must not be under /admin/: " + path);
    }
  }

  private static List<Secret> nonEmpty(List<Secret> secrets) {
    return secrets.stream().filter(secret -> !secret.isEmpty()).toList();
  }

  /**
   * The background reconciler, which repairs dropped webhooks from {@code GET /v1/events}, and the
   * drift audit, which measures what the cache still holds wrong. Both off while {@code apiKey} is
   * empty.
   *
   * @param period pause between passes
   * @param apiKey the account's secret or restricted key (events and audited objects read)
   * @param maxPagesPerPass pages of 100 events read per pass at most; the next pass continues
   * @param maxAccountsPerPass connected accounts (seen in recorded events) whose events are read
   *     per pass, in rotation, listed with {@code Stripe-Account}; 0 = the platform's only
   * @param driftAuditEvery pause between drift audits (the first one after this long)
   * @param driftSample cached retrieves refetched per audit at most; 0 switches the audit off
   */
  public record Reconcile(
      Duration period,
      Secret apiKey,
      int maxPagesPerPass,
      int maxAccountsPerPass,
      Duration driftAuditEvery,
      int driftSample) {

    public Reconcile {
      if (period.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("reconcile.period must be at least 1s: " + period);
      }
      if (maxPagesPerPass < 1) {
        throw new IllegalArgumentException(
            "reconcile.maxPagesPerPass must be positive: " + maxPagesPerPass);
      }
      if (maxAccountsPerPass < 0) {
        throw new IllegalArgumentException(
            "reconcile.maxAccountsPerPass must not be negative: " + maxAccountsPerPass);
      }
      if (driftAuditEvery.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException(
            "reconcile.driftAuditEvery must be at least 1s: " + driftAuditEvery);
      }
      if (driftSample < 0) {
        throw new IllegalArgumentException(
            "reconcile.driftSample must not be negative: " + driftSample);
      }
    }
  }

  /**
   * The durable store of webhook events (ledger, reconciliation cursor, forwarding outbox), opened
   * when webhooks or reconciliation are configured, and the embedded file local tiers use.
   *
   * @param backend which store keeps the events, by name ({@code sqlite}, {@code redis}, {@code
   *     dynamodb}); a shared one lets several edges apply and forward each event once
   * @param path the embedded SQLite file; created when missing
   * @param backends each event store backend on the class path with its settings ({@code
   *     store.<name>}); only {@code backend}'s are used
   */
  public record Store(String backend, String path, Backends backends) {

    public Store {
      if (path.isBlank()) {
        throw new IllegalArgumentException("store.path must not be blank");
      }
      if (backend.isBlank()) {
        throw new IllegalArgumentException("store.backend must not be blank");
      }
    }

    /** The chosen backend with its settings; null when no module on the class path provides it. */
    public Backends.@org.jspecify.annotations.Nullable Configured<?> chosen() {
      return backends.configured().stream()
          .filter(c -> c.name().equals(backend))
          .findFirst()
          .orElse(null);
    }
  }

  /**
   * Budget shaping. Rates are for live keys; sandbox keys get a quarter (Stripe's test-mode
   * limits).
   *
   * @param enabled false sends every request at once, as Stripe's own SDKs do
   * @param limits rates, lanes, waits, adaptive cuts and forecasting
   * @param shared the rates shared with other edge instances, by backend ({@code redis}); all off
   *     by default
   */
  public record Budget(boolean enabled, BudgetConfig limits, Backends shared) {

    public Budget {
      if (shared.enabledNames().size() > 1) {
        throw new IllegalArgumentException(
            "budget.shared: one backend at most, not " + shared.enabledNames());
      }
    }
  }

  /**
   * The cache tiers below memory, asked after a memory miss fastest first (Redis, DynamoDB, SQLite:
   * each backend's rank). Encryption at rest applies to every tier.
   *
   * @param backends each tier backend on the class path, by name, with its settings
   * @param encryption AES-GCM of every tier value
   */
  public record Tiers(Backends backends, Encryption encryption) {

    /** Whether any tier shared between edge instances is on (they need one cache-key secret). */
    public boolean anyShared() {
      return !sharedEnabled().isEmpty();
    }

    List<String> sharedEnabled() {
      return backends.configured().stream()
          .filter(Backends.Configured::enabled)
          .filter(Backends.Configured::shared)
          .map(Backends.Configured::name)
          .toList();
    }
  }

  /**
   * Encryption at rest of the tiers' values (AES-GCM, a random nonce per value). Off by default.
   *
   * @param enabled whether values are encrypted; needs at least one key
   * @param currentKey id of the key that encrypts; empty = the first of {@code keys}
   * @param keys base64 AES keys (16, 24 or 32 bytes) by id; every one decrypts, so rotate by adding
   *     a new current key and dropping the old one once the tiers' entries have expired ({@code
   *     STRIPE_EDGE_TIER_KEYS=id:base64,…})
   */
  public record Encryption(boolean enabled, String currentKey, Map<String, Secret> keys) {

    public Encryption {
      currentKey = currentKey.strip();
      keys = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(keys));
      if (enabled) {
        toKeys(currentKey, keys);
      }
    }

    /**
     * The key ring.
     *
     * @throws IllegalStateException encryption is off
     */
    public TierKeys toKeys() {
      if (!enabled) {
        throw new IllegalStateException("tiers.encryption is off");
      }
      return toKeys(currentKey, keys);
    }

    private static TierKeys toKeys(String currentKey, Map<String, Secret> keys) {
      if (keys.isEmpty()) {
        throw new IllegalArgumentException(
            "tiers.encryption.enabled needs keys: set tiers.encryption.keys or"
                + " STRIPE_EDGE_TIER_KEYS");
      }
      String current = currentKey.isEmpty() ? keys.keySet().iterator().next() : currentKey;
      Map<String, String> plain = new LinkedHashMap<>();
      keys.forEach((id, key) -> plain.put(id, key.reveal()));
      try {
        return TierKeys.fromBase64(current, plain);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("tiers.encryption: " + e.getMessage(), e);
      }
    }
  }

  /**
   * The listeners besides the proxy's own address ({@code host}, {@code port}), and TLS for each.
   *
   * @param proxyTls TLS of the proxy listener; off by default (plain HTTP, fine on loopback)
   * @param admin {@code /admin/…} and {@code /metrics}, never on the proxy listener
   * @param webhooks the webhook receiver's own listener, so only its paths face the internet; off
   *     by default (the webhook paths are then served on the proxy listener)
   * @param tlsReload how often the PEM files are checked; a changed pair is served from the next
   *     check on (renewals need no restart)
   */
  public record Listeners(Tls proxyTls, Admin admin, WebhookListener webhooks, Duration tlsReload) {

    public Listeners {
      if (tlsReload.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("listeners.tlsReload must be at least 1s: " + tlsReload);
      }
      if (webhooks.enabled() && webhooks.port() != 0 && webhooks.port() == admin.port()) {
        throw new IllegalArgumentException(
            "listeners.webhooks.port and listeners.admin.port are both " + admin.port());
      }
    }
  }

  /**
   * TLS of one listener from PEM files; off while both paths are empty.
   *
   * @param certFile the certificate chain, leaf first
   * @param keyFile its private key (PKCS#8, or PKCS#1 for RSA); readable by the edge only
   */
  public record Tls(String certFile, String keyFile) {

    public Tls {
      certFile = certFile.strip();
      keyFile = keyFile.strip();
      if (certFile.isEmpty() != keyFile.isEmpty()) {
        throw new IllegalArgumentException(
            "TLS needs both certFile and keyFile (PEM): certFile="
                + certFile
                + ", keyFile="
                + keyFile);
      }
    }

    /** Whether this listener serves TLS. */
    public boolean on() {
      return !certFile.isEmpty();
    }
  }

  /**
   * The admin listener: {@code /admin/…}, {@code /metrics}, {@code /healthz}, {@code /readyz}.
   * Loopback by default, like Envoy's admin. Reads (GET) need no token; anything else needs {@code
   * Authorization: Bearer <token>} and is refused while no token is set. Requests whose {@code
   * Host} (or {@code Origin}) is not this listener's are refused: a browser page cannot reach it
   * through DNS rebinding or a cross-site form.
   *
   * @param host address to bind; {@code 127.0.0.1} by default
   * @param port port to bind; 0 picks a free one
   * @param allowedHosts further names the {@code Host} header may carry (e.g. the name a scraper
   *     uses when the listener is bound beyond loopback)
   * @param token the bearer token for state-changing calls, at least 16 characters; none = those
   *     calls are refused ({@code STRIPE_EDGE_ADMIN_TOKEN})
   * @param tls TLS of this listener
   */
  public record Admin(String host, int port, List<String> allowedHosts, Secret token, Tls tls) {

    public Admin {
      if (host.isBlank()) {
        throw new IllegalArgumentException("listeners.admin.host must not be blank");
      }
      checkPort("listeners.admin.port", port);
      allowedHosts = List.copyOf(allowedHosts);
      if (!token.isEmpty() && token.reveal().length() < 16) {
        throw new IllegalArgumentException(
            "the admin token (STRIPE_EDGE_ADMIN_TOKEN) must have at least 16 characters");
      }
    }
  }

  /**
   * The webhook receiver's own listener: when on, the webhook paths are served here only (with
   * {@code /healthz} and {@code /readyz} for the load balancer), not on the proxy listener.
   *
   * @param enabled off by default
   * @param host address to bind, e.g. {@code 0.0.0.0} behind the load balancer Stripe reaches
   * @param port port to bind; 0 picks a free one
   * @param tls TLS of this listener (Stripe delivers live events over HTTPS only)
   */
  public record WebhookListener(boolean enabled, String host, int port, Tls tls) {

    public WebhookListener {
      if (host.isBlank()) {
        throw new IllegalArgumentException("listeners.webhooks.host must not be blank");
      }
      checkPort("listeners.webhooks.port", port);
    }
  }

  /**
   * The access log ({@code stripe.edge.access}): one line per request, and the operator's events
   * ({@code stripe.edge.events}: upstream failures, retries exhausted, webhook refusals).
   *
   * @param enabled false: no access lines (events are still logged)
   * @param format {@code text} (nginx-like key=value) or {@code json} (one object per line)
   * @param maxLinesPerSecond lines beyond this per second are dropped and counted, so a flood of
   *     requests cannot flood the log; a line then says how many were dropped
   */
  public record AccessLog(boolean enabled, String format, int maxLinesPerSecond) {

    public AccessLog {
      if (!format.equals("text") && !format.equals("json")) {
        throw new IllegalArgumentException("accessLog.format must be text or json: " + format);
      }
      if (maxLinesPerSecond < 1) {
        throw new IllegalArgumentException(
            "accessLog.maxLinesPerSecond must be at least 1: " + maxLinesPerSecond);
      }
    }

    /** On, text, at most 1000 lines per second. */
    public static AccessLog defaults() {
      return new AccessLog(true, "text", 1000);
    }

    /** Whether lines are JSON objects. */
    public boolean json() {
      return format.equals("json");
    }
  }
}
