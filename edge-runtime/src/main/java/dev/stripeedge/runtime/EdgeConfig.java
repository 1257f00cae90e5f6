package dev.stripeedge.runtime;

import dev.stripeedge.core.CacheConfig;
import dev.stripeedge.core.IdempotencyConfig;
import dev.stripeedge.core.RetryConfig;
import dev.stripeedge.core.SizingConfig;
import dev.stripeedge.core.budget.BudgetConfig;
import dev.stripeedge.core.budget.SharedBudgetConfig;
import dev.stripeedge.core.queue.AsyncWriteConfig;
import dev.stripeedge.core.tier.TierConfig;
import dev.stripeedge.core.tier.TierKeys;
import dev.stripeedge.core.webhooks.ForwardConfig;
import dev.stripeedge.store.dynamodb.DynamoDbTierConfig;
import dev.stripeedge.store.redis.RedisTierConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Everything {@code stripe-edge serve} needs, with defaults that work.
 *
 * <p>Loaded by {@link EdgeConfigLoader}: defaults, then a YAML file, then {@code STRIPE_EDGE_*}
 * environment variables, then command-line flags. Immutable.
 *
 * @param host address to bind; loopback by default
 * @param port port to bind; 0 picks a free one
 * @param upstream where Stripe is: {@code https://api.stripe.com}, or a simulator
 * @param maxBodyBytes largest request body accepted
 * @param headerTimeoutSeconds longest a request head may take to arrive, from its first byte (a
 *     client trickling one bounds no more than this); the connection is then answered 408 and
 *     closed
 * @param cache cache settings
 * @param retry retry settings
 * @param webhooks the webhook receiver
 * @param reconcile the background reconciler
 * @param store the embedded durable store
 * @param budget spending of Stripe's rate limits: lanes, reserved share for checkout, adaptive cuts
 * @param tiers the cache tiers below memory, and their encryption at rest
 * @param listeners TLS of the proxy listener ({@code host}/{@code port}), the admin listener, and
 *     the webhook receiver's own listener
 * @param asyncWrites asynchronous writes ({@code Prefer: respond-async}) through the durable queue
 */
public record EdgeConfig(
    String host,
    int port,
    String upstream,
    int maxBodyBytes,
    int headerTimeoutSeconds,
    Cache cache,
    Retry retry,
    Webhooks webhooks,
    Reconcile reconcile,
    Store store,
    Budget budget,
    Tiers tiers,
    Listeners listeners,
    AsyncWriteConfig asyncWrites) {

  public EdgeConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535: " + port);
    }
    URI uri = URI.create(upstream);
    if (uri.getScheme() == null
        || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
        || uri.getHost() == null) {
      throw new IllegalArgumentException("upstream must be an http(s) URL: " + upstream);
    }
    if (maxBodyBytes < 1024) {
      throw new IllegalArgumentException("maxBodyBytes must be at least 1024: " + maxBodyBytes);
    }
    if (port != 0 && port == listeners.admin().port()) {
      throw new IllegalArgumentException(
          "port and listeners.admin.port are both " + port + ": the admin listener needs its own");
    }
    if (port != 0 && listeners.webhooks().enabled() && port == listeners.webhooks().port()) {
      throw new IllegalArgumentException(
          "port and listeners.webhooks.port are both " + port + ": give the webhooks their own");
    }
    if (headerTimeoutSeconds < 1) {
      throw new IllegalArgumentException(
          "headerTimeoutSeconds must be at least 1: " + headerTimeoutSeconds);
    }
    if (budget.enabled() && budget.redis().enabled() && cache.keySecret().isEmpty()) {
      // Each edge's own secret would name one Stripe account differently on every edge.
      throw new IllegalArgumentException(
          "budget.redis needs cache.keySecret (or STRIPE_EDGE_CACHE_KEY_SECRET), the same on every"
              + " edge sharing the budget");
    }
  }

  public static EdgeConfig defaults() {
    return new EdgeConfig(
        "127.0.0.1",
        8080,
        "https://api.stripe.com",
        1 << 20,
        20,
        Cache.defaults(),
        Retry.defaults(),
        Webhooks.defaults(),
        Reconcile.defaults(),
        Store.defaults(),
        Budget.defaults(),
        Tiers.defaults(),
        Listeners.defaults(),
        AsyncWriteConfig.defaults());
  }

  public EdgeConfig withHost(String value) {
    return new EdgeConfig(
        value,
        port,
        upstream,
        maxBodyBytes,
        headerTimeoutSeconds,
        cache,
        retry,
        webhooks,
        reconcile,
        store,
        budget,
        tiers,
        listeners,
        asyncWrites);
  }

  public EdgeConfig withPort(int value) {
    return new EdgeConfig(
        host,
        value,
        upstream,
        maxBodyBytes,
        headerTimeoutSeconds,
        cache,
        retry,
        webhooks,
        reconcile,
        store,
        budget,
        tiers,
        listeners,
        asyncWrites);
  }

  public EdgeConfig withHeaderTimeoutSeconds(int value) {
    return new EdgeConfig(
        host,
        port,
        upstream,
        maxBodyBytes,
        value,
        cache,
        retry,
        webhooks,
        reconcile,
        store,
        budget,
        tiers,
        listeners,
        asyncWrites);
  }

  public EdgeConfig withUpstream(String value) {
    return new EdgeConfig(
        host,
        port,
        value,
        maxBodyBytes,
        headerTimeoutSeconds,
        cache,
        retry,
        webhooks,
        reconcile,
        store,
        budget,
        tiers,
        listeners,
        asyncWrites);
  }

  public EdgeConfig withWebhooks(Webhooks value) {
    return new EdgeConfig(
        host,
        port,
        upstream,
        maxBodyBytes,
        headerTimeoutSeconds,
        cache,
        retry,
        value,
        reconcile,
        store,
        budget,
        tiers,
        listeners,
        asyncWrites);
  }

  public EdgeConfig withReconcile(Reconcile value) {
    return new EdgeConfig(
        host,
        port,
        upstream,
        maxBodyBytes,
        headerTimeoutSeconds,
        cache,
        retry,
        webhooks,
        value,
        store,
        budget,
        tiers,
        listeners,
        asyncWrites);
  }

  public EdgeConfig withStore(Store value) {
    return new EdgeConfig(
        host,
        port,
        upstream,
        maxBodyBytes,
        headerTimeoutSeconds,
        cache,
        retry,
        webhooks,
        reconcile,
        value,
        budget,
        tiers,
        listeners,
        asyncWrites);
  }

  public EdgeConfig withBudget(Budget value) {
    return new EdgeConfig(
        host,
        port,
        upstream,
        maxBodyBytes,
        headerTimeoutSeconds,
        cache,
        retry,
        webhooks,
        reconcile,
        store,
        value,
        tiers,
        listeners,
        asyncWrites);
  }

  public EdgeConfig withTiers(Tiers value) {
    return new EdgeConfig(
        host,
        port,
        upstream,
        maxBodyBytes,
        headerTimeoutSeconds,
        cache,
        retry,
        webhooks,
        reconcile,
        store,
        budget,
        value,
        listeners,
        asyncWrites);
  }

  public EdgeConfig withCache(Cache value) {
    return new EdgeConfig(
        host,
        port,
        upstream,
        maxBodyBytes,
        headerTimeoutSeconds,
        value,
        retry,
        webhooks,
        reconcile,
        store,
        budget,
        tiers,
        listeners,
        asyncWrites);
  }

  public EdgeConfig withListeners(Listeners value) {
    return new EdgeConfig(
        host,
        port,
        upstream,
        maxBodyBytes,
        headerTimeoutSeconds,
        cache,
        retry,
        webhooks,
        reconcile,
        store,
        budget,
        tiers,
        value,
        asyncWrites);
  }

  public EdgeConfig withAsyncWrites(AsyncWriteConfig value) {
    return new EdgeConfig(
        host,
        port,
        upstream,
        maxBodyBytes,
        headerTimeoutSeconds,
        cache,
        retry,
        webhooks,
        reconcile,
        store,
        budget,
        tiers,
        listeners,
        value);
  }

  /** These settings with the admin listener on {@code value} (0 picks a free port). */
  public EdgeConfig withAdminPort(int value) {
    return withListeners(listeners.withAdmin(listeners.admin().withPort(value)));
  }

  /** Whether anything needs the durable store: a webhook secret or a reconciliation key. */
  public boolean needsStore() {
    return webhooks.anySecret() || !reconcile.apiKey().isEmpty();
  }

  /**
   * The webhook receiver. With no secret it is off: the path answers 503 rather than accepting
   * unsigned events.
   *
   * @param path where Stripe delivers, e.g. {@code /webhooks/stripe}
   * @param secrets the endpoint's signing secrets ({@code whsec_…}); several during rotation
   * @param endpoints further endpoints with their own secrets, e.g. the Connect endpoint that
   *     receives connected accounts' events; each path is verified only with its own secrets
   * @param toleranceSeconds how old a signature's timestamp may be (Stripe's libraries: 300)
   * @param maxPayloadBytes larger deliveries are refused with 413
   * @param forward the application's own endpoints each verified event is forwarded to, re-signed;
   *     empty = no forwarding
   * @param forwardMaxAttempts attempts per forwarded event, the first included; then it is dead
   * @param forwardBaseMillis first backoff ceiling between attempts; doubles, with jitter
   * @param forwardCapMillis largest backoff ceiling
   * @param forwardTimeoutMillis one attempt's limit
   */
  public record Webhooks(
      String path,
      List<String> secrets,
      List<Endpoint> endpoints,
      long toleranceSeconds,
      int maxPayloadBytes,
      List<Forward> forward,
      int forwardMaxAttempts,
      long forwardBaseMillis,
      long forwardCapMillis,
      long forwardTimeoutMillis) {

    public Webhooks {
      checkPath("webhooks.path", path);
      secrets = checkSecrets("webhooks.secrets", secrets);
      endpoints = List.copyOf(endpoints);
      Set<String> paths = new HashSet<>(List.of(path));
      for (Endpoint endpoint : endpoints) {
        if (!paths.add(endpoint.path())) {
          throw new IllegalArgumentException(
              "webhooks.endpoints: the path " + endpoint.path() + " is used twice");
        }
      }
      if (toleranceSeconds < 1) {
        throw new IllegalArgumentException(
            "webhooks.toleranceSeconds must be positive: " + toleranceSeconds);
      }
      if (maxPayloadBytes < 1024) {
        throw new IllegalArgumentException(
            "webhooks.maxPayloadBytes must be at least 1024: " + maxPayloadBytes);
      }
      forward = List.copyOf(forward);
      // Validates targets and retry settings eagerly, with the bad value in the message.
      forwardConfig(
          forward, forwardMaxAttempts, forwardBaseMillis, forwardCapMillis, forwardTimeoutMillis);
    }

    public static Webhooks defaults() {
      return new Webhooks(
          "/webhooks/stripe",
          List.of(),
          List.of(),
          300,
          1 << 20,
          List.of(),
          8,
          1000,
          300_000,
          10_000);
    }

    public Webhooks withSecrets(List<String> value) {
      return new Webhooks(
          path,
          value,
          endpoints,
          toleranceSeconds,
          maxPayloadBytes,
          forward,
          forwardMaxAttempts,
          forwardBaseMillis,
          forwardCapMillis,
          forwardTimeoutMillis);
    }

    /** These settings with {@code value} as the further endpoints. */
    public Webhooks withEndpoints(List<Endpoint> value) {
      return new Webhooks(
          path,
          secrets,
          value,
          toleranceSeconds,
          maxPayloadBytes,
          forward,
          forwardMaxAttempts,
          forwardBaseMillis,
          forwardCapMillis,
          forwardTimeoutMillis);
    }

    /** Whether any endpoint can verify deliveries. */
    public boolean anySecret() {
      return !secrets.isEmpty() || !endpoints.isEmpty();
    }

    /** These settings forwarding to {@code targets}, retrying as given. */
    public Webhooks withForward(
        List<Forward> targets,
        int maxAttempts,
        long baseMillis,
        long capMillis,
        long timeoutMillis) {
      return new Webhooks(
          path,
          secrets,
          endpoints,
          toleranceSeconds,
          maxPayloadBytes,
          targets,
          maxAttempts,
          baseMillis,
          capMillis,
          timeoutMillis);
    }

    /** The core's form of the forwarding settings. */
    public ForwardConfig toForwardConfig() {
      return forwardConfig(
          forward, forwardMaxAttempts, forwardBaseMillis, forwardCapMillis, forwardTimeoutMillis);
    }

    private static ForwardConfig forwardConfig(
        List<Forward> forward,
        int maxAttempts,
        long baseMillis,
        long capMillis,
        long timeoutMillis) {
      Map<String, String> targets = new LinkedHashMap<>();
      for (Forward target : forward) {
        if (targets.put(target.url(), target.secret()) != null) {
          throw new IllegalArgumentException("webhooks.forward lists " + target.url() + " twice");
        }
      }
      try {
        return new ForwardConfig(
            targets,
            maxAttempts,
            Duration.ofMillis(baseMillis),
            Duration.ofMillis(capMillis),
            Duration.ofMillis(timeoutMillis));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("webhooks.forward: " + e.getMessage(), e);
      }
    }

    @Override
    public String toString() {
      // Never the secrets.
      return "Webhooks[path="
          + path
          + ", secrets="
          + secrets.size()
          + ", endpoints="
          + endpoints
          + ", toleranceSeconds="
          + toleranceSeconds
          + ", maxPayloadBytes="
          + maxPayloadBytes
          + ", forward="
          + forward
          + ", forwardMaxAttempts="
          + forwardMaxAttempts
          + "]";
    }
  }

  /**
   * A further webhook endpoint of the edge, e.g. the Connect endpoint Stripe delivers connected
   * accounts' events to; it shares the ledger, so an event delivered to two endpoints is applied
   * once.
   *
   * @param path where Stripe delivers, e.g. {@code /webhooks/connect}
   * @param secrets its signing secrets ({@code whsec_…}), at least one; several during rotation
   */
  public record Endpoint(String path, List<String> secrets) {

    public Endpoint {
      checkPath("webhooks.endpoints[].path", path);
      secrets = checkSecrets("webhooks.endpoints[" + path + "].secrets", secrets);
      if (secrets.isEmpty()) {
        throw new IllegalArgumentException(
            "webhooks.endpoints[" + path + "] needs at least one signing secret");
      }
    }

    @Override
    public String toString() {
      // Never the secrets.
      return "Endpoint[path=" + path + ", secrets=" + secrets.size() + "]";
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

  private static List<String> checkSecrets(String name, List<String> secrets) {
    List<String> copy = List.copyOf(secrets);
    for (int i = 0; i < copy.size(); i++) {
      if (copy.get(i).isBlank()) {
        throw new IllegalArgumentException(name + "[" + i + "] is blank");
      }
    }
    return copy;
  }

  /**
   * One application endpoint verified events are forwarded to.
   *
   * @param url the application's webhook URL, e.g. {@code http://127.0.0.1:3000/stripe/webhook}
   * @param secret the {@code whsec_…} secret the application verifies with ({@code
   *     Webhook.constructEvent}); never logged
   */
  public record Forward(String url, String secret) {

    @Override
    public String toString() {
      return "Forward[url=" + url + ", secret=" + (secret.isEmpty() ? "none" : "set") + "]";
    }
  }

  /**
   * The background reconciler, which repairs dropped webhooks from {@code GET /v1/events}, and the
   * drift audit, which measures what the cache still holds wrong. Both off while {@code apiKey} is
   * empty.
   *
   * @param periodSeconds pause between passes
   * @param apiKey the account's secret or restricted key (events and audited objects read); never
   *     logged
   * @param maxPagesPerPass pages of 100 events read per pass at most; the next pass continues
   * @param driftAuditSeconds pause between drift audits (the first one after this long)
   * @param driftSample cached retrieves refetched per audit at most; 0 switches the audit off
   */
  public record Reconcile(
      long periodSeconds,
      String apiKey,
      int maxPagesPerPass,
      long driftAuditSeconds,
      int driftSample) {

    public Reconcile {
      if (periodSeconds < 1) {
        throw new IllegalArgumentException(
            "reconcile.periodSeconds must be positive: " + periodSeconds);
      }
      if (maxPagesPerPass < 1) {
        throw new IllegalArgumentException(
            "reconcile.maxPagesPerPass must be positive: " + maxPagesPerPass);
      }
      if (driftAuditSeconds < 1) {
        throw new IllegalArgumentException(
            "reconcile.driftAuditSeconds must be positive: " + driftAuditSeconds);
      }
      if (driftSample < 0) {
        throw new IllegalArgumentException(
            "reconcile.driftSample must not be negative: " + driftSample);
      }
      apiKey = apiKey.strip();
    }

    public static Reconcile defaults() {
      return new Reconcile(60, "", 10, 300, 20);
    }

    public Reconcile withApiKey(String value) {
      return new Reconcile(periodSeconds, value, maxPagesPerPass, driftAuditSeconds, driftSample);
    }

    @Override
    public String toString() {
      // Never the key.
      return "Reconcile[periodSeconds="
          + periodSeconds
          + ", apiKey="
          + (apiKey.isEmpty() ? "none" : "set")
          + ", maxPagesPerPass="
          + maxPagesPerPass
          + ", driftAuditSeconds="
          + driftAuditSeconds
          + ", driftSample="
          + driftSample
          + "]";
    }
  }

  /**
   * The embedded durable store: the webhook ledger and reconciliation cursor (opened when webhooks
   * or reconciliation are configured) and the SQLite cache tier (on by default).
   *
   * @param path the SQLite file; created when missing
   */
  public record Store(String path) {

    public Store {
      if (path.isBlank()) {
        throw new IllegalArgumentException("store.path must not be blank");
      }
    }

    public static Store defaults() {
      return new Store("./stripe-edge.db");
    }
  }

  /**
   * Cache settings in plain units, as they are written in YAML.
   *
   * @param defaultTtlSeconds TTL of a retrieve whose resource has no TTL of its own
   * @param ttlSeconds per-resource TTLs ({@code customers: 60}); 0 switches a resource off
   * @param lists resources whose lists and searches are cached (off by default)
   * @param listTtlSeconds TTL of an opted-in list
   * @param staleWhileRevalidateSeconds serve stale while refreshing, this long after expiry
   * @param staleIfErrorSeconds serve stale when Stripe fails, this long after expiry
   * @param maxBytes memory bound of the in-memory tier
   * @param notFoundTtlSeconds how long a retrieve's {@code 404 resource_missing} is cached; 0, the
   *     default, caches none (an object created outside this edge stays "missing" that long)
   * @param keySecret base64 of the secret (at least 32 bytes) that hashes API keys into cache keys;
   *     empty: one kept in the store file while the SQLite tier is on, else random per process.
   *     Edges sharing a tier need the same one. Best given as {@code STRIPE_EDGE_CACHE_KEY_SECRET};
   *     never logged
   * @param sizing sampling of the traffic for {@code /admin/sizing}
   */
  public record Cache(
      long defaultTtlSeconds,
      Map<String, Long> ttlSeconds,
      List<String> lists,
      long listTtlSeconds,
      long staleWhileRevalidateSeconds,
      long staleIfErrorSeconds,
      long maxBytes,
      long notFoundTtlSeconds,
      String keySecret,
      Sizing sizing) {

    public Cache {
      ttlSeconds = Map.copyOf(ttlSeconds);
      lists = List.copyOf(lists);
      keySecret = keySecret.strip();
      if (notFoundTtlSeconds < 0) {
        throw new IllegalArgumentException(
            "cache.notFoundTtlSeconds must not be negative: " + notFoundTtlSeconds);
      }
      if (!keySecret.isEmpty()) {
        keySecretBytes(keySecret);
      }
    }

    /** The decoded {@link #keySecret}, or null when none is configured. */
    public byte @Nullable [] keySecretBytes() {
      return keySecret.isEmpty() ? null : keySecretBytes(keySecret);
    }

    private static byte[] keySecretBytes(String base64) {
      byte[] secret;
      try {
        secret = Base64.getDecoder().decode(base64);
      } catch (IllegalArgumentException e) {
        // Never the value: it is a secret.
        throw new IllegalArgumentException("cache.keySecret is not base64");
      }
      if (secret.length < 32) {
        throw new IllegalArgumentException(
            "cache.keySecret must hold at least 32 bytes, not " + secret.length);
      }
      return secret;
    }

    public Cache withKeySecret(String value) {
      return new Cache(
          defaultTtlSeconds,
          ttlSeconds,
          lists,
          listTtlSeconds,
          staleWhileRevalidateSeconds,
          staleIfErrorSeconds,
          maxBytes,
          notFoundTtlSeconds,
          value,
          sizing);
    }

    @Override
    public String toString() {
      return "Cache[defaultTtlSeconds="
          + defaultTtlSeconds
          + ", ttlSeconds="
          + ttlSeconds
          + ", lists="
          + lists
          + ", listTtlSeconds="
          + listTtlSeconds
          + ", staleWhileRevalidateSeconds="
          + staleWhileRevalidateSeconds
          + ", staleIfErrorSeconds="
          + staleIfErrorSeconds
          + ", maxBytes="
          + maxBytes
          + ", notFoundTtlSeconds="
          + notFoundTtlSeconds
          + ", keySecret="
          + (keySecret.isEmpty() ? "none" : "set")
          + ", sizing="
          + sizing
          + "]";
    }

    public static Cache defaults() {
      CacheConfig core = CacheConfig.defaults();
      Map<String, Long> ttls = new LinkedHashMap<>();
      core.ttls().forEach((resource, ttl) -> ttls.put(resource, ttl.toSeconds()));
      return new Cache(
          core.defaultTtl().toSeconds(),
          ttls,
          List.copyOf(core.listResources()),
          core.listTtl().toSeconds(),
          core.staleWhileRevalidate().toSeconds(),
          core.staleIfError().toSeconds(),
          core.maxBytes(),
          core.notFoundTtl().toSeconds(),
          "",
          Sizing.defaults());
    }

    /** The core's form. */
    public CacheConfig toCore() {
      Map<String, Duration> ttls = new LinkedHashMap<>();
      ttlSeconds.forEach((resource, seconds) -> ttls.put(resource, Duration.ofSeconds(seconds)));
      return new CacheConfig(
          Duration.ofSeconds(defaultTtlSeconds),
          ttls,
          Set.copyOf(lists),
          Duration.ofSeconds(listTtlSeconds),
          Duration.ofSeconds(staleWhileRevalidateSeconds),
          Duration.ofSeconds(staleIfErrorSeconds),
          maxBytes,
          Duration.ofSeconds(notFoundTtlSeconds));
    }
  }

  /**
   * Sampling of cacheable traffic for the sizing report ({@code /admin/sizing}).
   *
   * @param enabled whether to sample at all
   * @param initialRate share of cache keys sampled at first, in (0, 1]
   * @param maxSampledKeys keys the sample holds at most; the rate drops to stay within
   */
  public record Sizing(boolean enabled, double initialRate, int maxSampledKeys) {

    public Sizing {
      toCore(enabled, initialRate, maxSampledKeys); // validates, with the bad value
    }

    public static Sizing defaults() {
      SizingConfig core = SizingConfig.defaults();
      return new Sizing(core.enabled(), core.initialRate(), core.maxSampledKeys());
    }

    /** The core's form. */
    public SizingConfig toCore() {
      return toCore(enabled, initialRate, maxSampledKeys);
    }

    private static SizingConfig toCore(boolean enabled, double rate, int maxKeys) {
      return new SizingConfig(enabled, rate, maxKeys, Map.of());
    }
  }

  /**
   * The cache tiers below memory, asked in a fixed order after an L0 miss, fastest first: Redis,
   * then DynamoDB, then SQLite. Encryption at rest applies to every tier.
   *
   * @param redis shared by every edge instance; off by default
   * @param dynamodb shared and durable, with TTL-driven expiry; off by default
   * @param sqlite the embedded durable tier, in the {@code store.path} file
   * @param encryption AES-GCM of every tier value
   */
  public record Tiers(Redis redis, Dynamodb dynamodb, Sqlite sqlite, Encryption encryption) {

    public static Tiers defaults() {
      return new Tiers(
          Redis.defaults(), Dynamodb.defaults(), Sqlite.defaults(), Encryption.defaults());
    }

    public Tiers withRedis(Redis value) {
      return new Tiers(value, dynamodb, sqlite, encryption);
    }

    public Tiers withDynamodb(Dynamodb value) {
      return new Tiers(redis, value, sqlite, encryption);
    }

    public Tiers withSqlite(Sqlite value) {
      return new Tiers(redis, dynamodb, value, encryption);
    }

    public Tiers withEncryption(Encryption value) {
      return new Tiers(redis, dynamodb, sqlite, value);
    }

    /** Whether any tier shared between edge instances is on (they need one cache-key secret). */
    public boolean anyShared() {
      return redis.enabled() || dynamodb.enabled();
    }
  }

  /**
   * The Redis tier, shared by every edge instance; an invalidation on one edge drops the entry from
   * every edge's memory (pub/sub).
   *
   * @param enabled off by default
   * @param uris {@code redis://[:password@]host:port} (or {@code rediss://}); several seeds when
   *     {@code cluster}. Best given as {@code STRIPE_EDGE_REDIS_URIS}; a password is never logged
   * @param cluster whether {@code uris} are Redis Cluster nodes
   * @param keyPrefix put before every key and the channel, so deployments can share a server
   * @param timeoutMillis longest wait for one command; a slower tier is skipped
   */
  public record Redis(
      boolean enabled, List<String> uris, boolean cluster, String keyPrefix, long timeoutMillis) {

    public Redis {
      uris = List.copyOf(uris);
      if (enabled && uris.isEmpty()) {
        throw new IllegalArgumentException("tiers.redis.enabled needs tiers.redis.uris");
      }
      if (timeoutMillis < 1) {
        throw new IllegalArgumentException(
            "tiers.redis.timeoutMillis must be positive: " + timeoutMillis);
      }
    }

    public static Redis defaults() {
      return new Redis(false, List.of(), false, RedisTierConfig.DEFAULT_KEY_PREFIX, 50);
    }

    /** The tier's own settings. */
    public RedisTierConfig toTierConfig() {
      RedisTierConfig config =
          cluster ? RedisTierConfig.cluster(uris) : RedisTierConfig.standalone(uris.get(0));
      return config.withKeyPrefix(keyPrefix).withCommandTimeout(Duration.ofMillis(timeoutMillis));
    }

    /** The pipeline's settings for this tier. */
    public TierConfig toCore() {
      return TierConfig.defaults().withTimeout(Duration.ofMillis(timeoutMillis));
    }

    @Override
    public String toString() {
      // URIs may carry a password.
      return "Redis[enabled="
          + enabled
          + ", uris="
          + uris.size()
          + ", cluster="
          + cluster
          + ", keyPrefix="
          + keyPrefix
          + ", timeoutMillis="
          + timeoutMillis
          + "]";
    }
  }

  /**
   * The DynamoDB tier: shared and durable, expired by DynamoDB's TTL (and on read).
   *
   * @param enabled off by default
   * @param table the table holding entries, their id index and invalidation markers
   * @param region the AWS region; credentials come from AWS's default chain
   * @param endpoint another endpoint (DynamoDB Local, a VPC endpoint); empty for the region's
   * @param createTable create the table (on demand, TTL on) when missing
   * @param timeoutMillis longest wait for a lookup; a slower tier is skipped
   */
  public record Dynamodb(
      boolean enabled,
      String table,
      String region,
      String endpoint,
      boolean createTable,
      long timeoutMillis) {

    public Dynamodb {
      if (enabled && table.isBlank()) {
        throw new IllegalArgumentException("tiers.dynamodb.table must not be blank");
      }
      if (timeoutMillis < 1) {
        throw new IllegalArgumentException(
            "tiers.dynamodb.timeoutMillis must be positive: " + timeoutMillis);
      }
    }

    public static Dynamodb defaults() {
      return new Dynamodb(false, "stripe-edge-cache", "us-east-1", "", false, 100);
    }

    /** The tier's own settings. */
    public DynamoDbTierConfig toTierConfig() {
      return DynamoDbTierConfig.builder(table)
          .region(region)
          .endpoint(endpoint.isBlank() ? null : URI.create(endpoint))
          .createTable(createTable)
          .build();
    }

    /** The pipeline's settings for this tier. */
    public TierConfig toCore() {
      return TierConfig.defaults().withTimeout(Duration.ofMillis(timeoutMillis));
    }
  }

  /**
   * The SQLite tier: the cache survives a restart of the edge.
   *
   * @param enabled on by default
   * @param maxBytes bound of what it stores; least recently used rows go first
   * @param timeoutMillis longest wait for a lookup; a slower tier is skipped (and bypassed after
   *     repeated failures)
   */
  public record Sqlite(boolean enabled, long maxBytes, long timeoutMillis) {

    public Sqlite {
      if (maxBytes < 1024) {
        throw new IllegalArgumentException(
            "tiers.sqlite.maxBytes must be at least 1024: " + maxBytes);
      }
      if (timeoutMillis < 1) {
        throw new IllegalArgumentException(
            "tiers.sqlite.timeoutMillis must be positive: " + timeoutMillis);
      }
    }

    public static Sqlite defaults() {
      return new Sqlite(true, 256L << 20, TierConfig.defaults().timeout().toMillis());
    }

    /** The pipeline's settings for this tier. */
    public TierConfig toCore() {
      return TierConfig.defaults().withTimeout(Duration.ofMillis(timeoutMillis));
    }
  }

  /**
   * Encryption at rest of the tiers' values (AES-GCM, a random nonce per value). Off by default.
   *
   * @param enabled whether values are encrypted; needs at least one key
   * @param currentKey id of the key that encrypts; empty = the first of {@code keys}
   * @param keys base64 AES keys (16, 24 or 32 bytes) by id; every one decrypts, so rotate by adding
   *     a new current key and dropping the old one once the tiers' entries have expired. Best given
   *     as {@code STRIPE_EDGE_TIER_KEYS=id:base64,…}; never logged
   */
  public record Encryption(boolean enabled, String currentKey, Map<String, String> keys) {

    public Encryption {
      currentKey = currentKey.strip();
      keys = Collections.unmodifiableMap(new LinkedHashMap<>(keys));
      if (enabled) {
        toKeys(currentKey, keys);
      }
    }

    public static Encryption defaults() {
      return new Encryption(false, "", Map.of());
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

    private static TierKeys toKeys(String currentKey, Map<String, String> keys) {
      if (keys.isEmpty()) {
        throw new IllegalArgumentException(
            "tiers.encryption.enabled needs keys: set tiers.encryption.keys or"
                + " STRIPE_EDGE_TIER_KEYS");
      }
      String current = currentKey.isEmpty() ? keys.keySet().iterator().next() : currentKey;
      try {
        return TierKeys.fromBase64(current, keys);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("tiers.encryption: " + e.getMessage(), e);
      }
    }

    @Override
    public String toString() {
      // Never the keys.
      return "Encryption[enabled="
          + enabled
          + ", currentKey="
          + currentKey
          + ", keys="
          + keys.keySet()
          + "]";
    }
  }

  /**
   * Retry settings in plain units.
   *
   * @param maxAttempts attempts per request, the first included
   * @param baseMillis first backoff ceiling; doubles per attempt, with full jitter
   * @param capMillis largest backoff ceiling
   * @param deadlineMillis total time a request may take; a client may lower it per request
   * @param rememberUnkeyedSeconds how long the key of an unkeyed write with an ambiguous outcome is
   *     reused for the same write (see {@link IdempotencyConfig}); 0 turns this off
   * @param rememberUnkeyedMax bound on the writes remembered at once
   */
  public record Retry(
      int maxAttempts,
      long baseMillis,
      long capMillis,
      long deadlineMillis,
      long rememberUnkeyedSeconds,
      int rememberUnkeyedMax) {

    public Retry {
      idempotency(rememberUnkeyedSeconds, rememberUnkeyedMax); // eager: bad values fail the load
    }

    public static Retry defaults() {
      RetryConfig core = RetryConfig.defaults();
      IdempotencyConfig unkeyed = IdempotencyConfig.defaults();
      return new Retry(
          core.maxAttempts(),
          core.base().toMillis(),
          core.cap().toMillis(),
          core.deadline().toMillis(),
          unkeyed.rememberFor().toSeconds(),
          unkeyed.maxRemembered());
    }

    /** The core's form of the unkeyed-write memory. */
    public IdempotencyConfig idempotency() {
      return idempotency(rememberUnkeyedSeconds, rememberUnkeyedMax);
    }

    private static IdempotencyConfig idempotency(long seconds, int max) {
      return new IdempotencyConfig(Duration.ofSeconds(seconds), max);
    }

    /** The core's form. */
    public RetryConfig toCore() {
      return new RetryConfig(
          Duration.ofMillis(baseMillis),
          Duration.ofMillis(capMillis),
          maxAttempts,
          Duration.ofMillis(deadlineMillis));
    }
  }

  /**
   * Budget shaping in plain units. Rates are for live keys; sandbox keys get a quarter (Stripe's
   * test-mode limits).
   *
   * @param enabled false sends every request at once, as Stripe's own SDKs do
   * @param globalRate requests per second per account (Stripe: 100)
   * @param endpointRate requests per second per account and endpoint (Stripe: 25)
   * @param concurrency requests in flight per account
   * @param forecast true reserves critical's forecast demand ahead of its peaks and lets background
   *     yield first; false keeps the critical reserve and the lanes' shares fixed
   * @param redis the rates shared with other edge instances through Redis; off by default
   */
  public record Budget(
      boolean enabled,
      double globalRate,
      double endpointRate,
      int concurrency,
      boolean forecast,
      BudgetRedis redis) {

    public Budget {
      if (globalRate <= 0 || endpointRate <= 0 || concurrency <= 0) {
        throw new IllegalArgumentException(
            "budget rates and concurrency must be positive: global=%s endpoint=%s concurrency=%s"
                .formatted(globalRate, endpointRate, concurrency));
      }
    }

    public static Budget defaults() {
      BudgetConfig live = BudgetConfig.live();
      return new Budget(
          true,
          live.globalRate(),
          live.endpointRate(),
          live.concurrency(),
          live.forecast().enabled(),
          BudgetRedis.defaults());
    }

    public Budget withEnabled(boolean value) {
      return new Budget(value, globalRate, endpointRate, concurrency, forecast, redis);
    }

    public Budget withRedis(BudgetRedis value) {
      return new Budget(enabled, globalRate, endpointRate, concurrency, forecast, value);
    }

    /**
     * The core's form (lanes, waits, adaptive cuts and forecasting constants keep its defaults).
     */
    public BudgetConfig toCore() {
      BudgetConfig live = BudgetConfig.live();
      return live.withRates(globalRate, endpointRate)
          .withConcurrency(concurrency)
          .withForecast(live.forecast().withEnabled(forecast));
    }
  }

  /**
   * The budget shared by every edge instance pointed at the same Redis: each account's global and
   * per-endpoint rates hold for all of them together (leases of a few tokens from a Lua token
   * bucket). While Redis fails or is slow, each edge spends the rates divided by the edges last
   * seen alive, and returns to Redis once it answers. Edges sharing a budget need the same {@code
   * cache.keySecret}.
   *
   * @param enabled off by default: each edge spends the whole budget on its own
   * @param uris one {@code redis://[:password@]host:port[/db]} URI, or Redis Cluster seed nodes
   * @param cluster whether {@code uris} are Redis Cluster nodes
   * @param keyPrefix before every key, so deployments can share one Redis
   * @param timeoutMillis a slower Redis answer counts as a failure: the edge falls back at once
   * @param leaseSize tokens taken from Redis at once: fewer round trips, more held back per edge
   * @param leaseTtlMillis how long leased tokens may be spent
   * @param heartbeatMillis how often an edge announces itself (and checks whether Redis is back);
   *     edges silent for three of these no longer count
   */
  public record BudgetRedis(
      boolean enabled,
      List<String> uris,
      boolean cluster,
      String keyPrefix,
      long timeoutMillis,
      int leaseSize,
      long leaseTtlMillis,
      long heartbeatMillis) {

    public BudgetRedis {
      uris = List.copyOf(uris);
      if (enabled && uris.isEmpty()) {
        throw new IllegalArgumentException("budget.redis.enabled needs budget.redis.uris");
      }
      // The same checks the core applies, named as in this config (fields are not set yet).
      core(leaseSize, leaseTtlMillis, timeoutMillis, heartbeatMillis);
    }

    public static BudgetRedis defaults() {
      SharedBudgetConfig core = SharedBudgetConfig.defaults();
      return new BudgetRedis(
          false,
          List.of(),
          false,
          "stripe-edge:",
          core.timeout().toMillis(),
          core.leaseSize(),
          core.leaseTtl().toMillis(),
          core.heartbeat().toMillis());
    }

    /** On, at {@code value}. */
    public BudgetRedis withUris(List<String> value) {
      return new BudgetRedis(
          true,
          value,
          cluster,
          keyPrefix,
          timeoutMillis,
          leaseSize,
          leaseTtlMillis,
          heartbeatMillis);
    }

    /** The core's form. */
    public SharedBudgetConfig toCore() {
      return core(leaseSize, leaseTtlMillis, timeoutMillis, heartbeatMillis);
    }

    private static SharedBudgetConfig core(
        int leaseSize, long leaseTtlMillis, long timeoutMillis, long heartbeatMillis) {
      try {
        return new SharedBudgetConfig(
            leaseSize,
            Duration.ofMillis(leaseTtlMillis),
            Duration.ofMillis(timeoutMillis),
            Duration.ofMillis(heartbeatMillis));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("budget.redis: " + e.getMessage(), e);
      }
    }

    /** How to reach Redis (the URIs are checked there, passwords never named). */
    public RedisTierConfig toRedis() {
      List<String> list = uris;
      RedisTierConfig base =
          cluster ? RedisTierConfig.cluster(list) : RedisTierConfig.standalone(list.getFirst());
      return base.withKeyPrefix(keyPrefix).withCommandTimeout(Duration.ofMillis(timeoutMillis));
    }

    /** Without the URIs' passwords: safe to log. */
    @Override
    public String toString() {
      return "BudgetRedis[enabled=%s, uris=%s, cluster=%s, keyPrefix=%s, timeoutMillis=%d, leaseSize=%d, leaseTtlMillis=%d, heartbeatMillis=%d]"
          .formatted(
              enabled,
              uris.stream().map(u -> u.replaceAll("://[^@/]*@", "://***@")).toList(),
              cluster,
              keyPrefix,
              timeoutMillis,
              leaseSize,
              leaseTtlMillis,
              heartbeatMillis);
    }
  }

  /**
   * The listeners besides the proxy's own address ({@code host}, {@code port}), and TLS for each.
   *
   * @param proxyTls TLS of the proxy listener; off by default (plain HTTP, fine on loopback)
   * @param admin {@code /admin/…} and {@code /metrics}, never on the proxy listener
   * @param webhooks the webhook receiver's own listener, so only its paths face the internet; off
   *     by default (the webhook paths are then served on the proxy listener)
   * @param tlsReloadSeconds how often the PEM files are checked; a changed pair is served from the
   *     next check on (renewals need no restart)
   */
  public record Listeners(
      Tls proxyTls, Admin admin, WebhookListener webhooks, long tlsReloadSeconds) {

    public Listeners {
      if (tlsReloadSeconds < 1) {
        throw new IllegalArgumentException(
            "listeners.tlsReloadSeconds must be positive: " + tlsReloadSeconds);
      }
      if (webhooks.enabled() && webhooks.port() != 0 && webhooks.port() == admin.port()) {
        throw new IllegalArgumentException(
            "listeners.webhooks.port and listeners.admin.port are both " + admin.port());
      }
    }

    public static Listeners defaults() {
      return new Listeners(Tls.defaults(), Admin.defaults(), WebhookListener.defaults(), 10);
    }

    public Listeners withProxyTls(Tls value) {
      return new Listeners(value, admin, webhooks, tlsReloadSeconds);
    }

    public Listeners withAdmin(Admin value) {
      return new Listeners(proxyTls, value, webhooks, tlsReloadSeconds);
    }

    public Listeners withWebhooks(WebhookListener value) {
      return new Listeners(proxyTls, admin, value, tlsReloadSeconds);
    }

    public Listeners withTlsReloadSeconds(long value) {
      return new Listeners(proxyTls, admin, webhooks, value);
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

    public static Tls defaults() {
      return new Tls("", "");
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
   *     uses when the listener is bound beyond loopback); IP literals of the bound address and
   *     {@code localhost} on loopback need no entry
   * @param token the bearer token for state-changing calls, at least 16 characters; empty = those
   *     calls are refused. Best given as {@code STRIPE_EDGE_ADMIN_TOKEN}; never logged
   * @param tls TLS of this listener
   */
  public record Admin(String host, int port, List<String> allowedHosts, String token, Tls tls) {

    public Admin {
      if (host.isBlank()) {
        throw new IllegalArgumentException("listeners.admin.host must not be blank");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("listeners.admin.port must be 0..65535: " + port);
      }
      allowedHosts = List.copyOf(allowedHosts);
      token = token.strip();
      if (!token.isEmpty() && token.length() < 16) {
        // Never the value: it is the secret.
        throw new IllegalArgumentException(
            "the admin token (STRIPE_EDGE_ADMIN_TOKEN) must have at least 16 characters");
      }
    }

    public static Admin defaults() {
      return new Admin("127.0.0.1", 8081, List.of(), "", Tls.defaults());
    }

    public Admin withHost(String value) {
      return new Admin(value, port, allowedHosts, token, tls);
    }

    public Admin withPort(int value) {
      return new Admin(host, value, allowedHosts, token, tls);
    }

    public Admin withToken(String value) {
      return new Admin(host, port, allowedHosts, value, tls);
    }

    public Admin withTls(Tls value) {
      return new Admin(host, port, allowedHosts, token, value);
    }

    @Override
    public String toString() {
      // Never the token.
      return "Admin[host="
          + host
          + ", port="
          + port
          + ", allowedHosts="
          + allowedHosts
          + ", token="
          + (token.isEmpty() ? "none" : "set")
          + ", tls="
          + tls
          + "]";
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
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("listeners.webhooks.port must be 0..65535: " + port);
      }
    }

    public static WebhookListener defaults() {
      return new WebhookListener(false, "127.0.0.1", 8082, Tls.defaults());
    }
  }
}
