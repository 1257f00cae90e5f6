package dev.stripeedge.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.core.RetentionConfig;
import dev.stripeedge.core.Secret;
import dev.stripeedge.core.budget.SharedBudgetConfig;
import dev.stripeedge.core.queue.AsyncWriteConfig;
import dev.stripeedge.store.redis.RedisBudgetSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EdgeSettingsLoaderTest {

  private static final String KEY_SECRET = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

  @TempDir Path dir;

  private EdgeSettings load(String yaml) throws Exception {
    return load(yaml, Map.of());
  }

  private EdgeSettings load(String yaml, Map<String, String> environment) throws Exception {
    Path file = Files.createTempFile(dir, "edge", ".yaml");
    Files.writeString(file, yaml);
    return EdgeSettingsLoader.load(file, environment);
  }

  @Test
  void theDocumentedExampleIsExactlyTheDefaults() {
    Path example = Path.of("..", "docs", "edge-config.example.yaml");

    assertThat(EdgeSettingsLoader.load(example, Map.of())).isEqualTo(EdgeSettings.defaults());
  }

  @Test
  void theDefaultsAreTheCoreRecordsOwnDefaults() {
    EdgeSettings defaults = EdgeSettings.defaults();

    assertThat(defaults.cache()).isEqualTo(dev.stripeedge.core.CacheConfig.defaults());
    assertThat(defaults.retry()).isEqualTo(dev.stripeedge.core.RetryConfig.defaults());
    assertThat(defaults.budget().limits())
        .isEqualTo(dev.stripeedge.core.budget.BudgetConfig.live());
    assertThat(defaults.tiers().backends().enabledNames()).containsExactly("sqlite");
    assertThat(defaults.tiers().backends().configured())
        .extracting(Backends.Configured::name)
        .containsExactly("redis", "dynamodb", "sqlite");
  }

  @Test
  void aFileNamingSomeOfASharedEventStoresSettingsGetsTheOthersDefaults() throws Exception {
    // bench fleet's edges failed to start: "store: a value of the wrong kind".
    EdgeSettings settings =
        load(
            "store:\n  backend: redis\n  path: /tmp/edge.db\n  redis:\n"
                + "    uris: [\"redis://127.0.0.1:6379\"]\n    keyPrefix: \"fleet:\"\n");
    EdgeSettings dynamo =
        load(
            "store:\n  backend: dynamodb\n  path: /tmp/edge.db\n  dynamodb:\n"
                + "    table: fleet-events\n    endpoint: http://127.0.0.1:8000\n");

    assertThat(settings.store().backend()).isEqualTo("redis");
    assertThat(
            String.valueOf(java.util.Objects.requireNonNull(settings.store().chosen()).settings()))
        .contains("fleet:")
        .contains("retention=PT168H");
    assertThat(String.valueOf(java.util.Objects.requireNonNull(dynamo.store().chosen()).settings()))
        .contains("fleet-events")
        .contains("region=us-east-1");
  }

  @Test
  void durationsAreWrittenWithAUnit() throws Exception {
    EdgeSettings settings =
        load("cache:\n  defaultTtl: 90s\n  staleIfError: 5m\nretry:\n  base: 250ms\n");

    assertThat(settings.cache().defaultTtl()).isEqualTo(Duration.ofSeconds(90));
    assertThat(settings.cache().staleIfError()).isEqualTo(Duration.ofMinutes(5));
    assertThat(settings.retry().base()).isEqualTo(Duration.ofMillis(250));
    assertThatThrownBy(() -> load("cache:\n  defaultTtl: 90\n"))
        .hasMessageContaining("defaultTtl")
        .hasMessageContaining("unit");
    assertThatThrownBy(() -> load("cache:\n  defaultTtlSeconds: 90\n"))
        .hasMessageContaining("unknown setting cache.defaultTtlSeconds")
        .hasMessageContaining("defaultTtl: 30s");
  }

  @Test
  void asyncWritesAreReadFromTheFileWithTheCallbackSecretFromTheEnvironment() throws Exception {
    EdgeSettings settings =
        load(
            """
            asyncWrites:
              retention: 1h
              visibilityTimeout: 30s
              routes:
                "POST /v1/customers/{id}": BY_DEFAULT
              callbacks:
                allowedHosts: [hooks.example.com, "*.example.org"]
            """,
            Map.of("STRIPE_EDGE_ASYNC_CALLBACK_SECRET", "whsec_edge_cb"));

    assertThat(settings.asyncWrites().retention()).isEqualTo(Duration.ofHours(1));
    assertThat(settings.asyncWrites().visibilityTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(settings.asyncWrites().routes())
        .containsEntry("POST /v1/customers/{id}", AsyncWriteConfig.AsyncRoute.BY_DEFAULT)
        .containsEntry(
            "POST /v1/payment_intents/{id}/confirm", AsyncWriteConfig.AsyncRoute.FORBIDDEN);
    assertThat(settings.asyncWrites().callbackSecret().reveal()).isEqualTo("whsec_edge_cb");
    assertThat(settings.toString()).doesNotContain("whsec_edge_cb");
    assertThat(settings.asyncWrites().callbacks().allowedHosts())
        .containsExactly("hooks.example.com", "*.example.org");
  }

  @Test
  void aCallbackHostPatternThatIsNotAHostIsRefused() {
    assertThatThrownBy(
            () -> load("asyncWrites:\n  callbacks:\n    allowedHosts: [\"https://x.example\"]\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("allowedHosts");
  }

  @Test
  void anAsyncRouteKeyThatIsNotAWriteIsRefused() {
    assertThatThrownBy(
            () -> load("asyncWrites:\n  routes:\n    \"GET /v1/customers\": BY_DEFAULT\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("GET /v1/customers");
  }

  @Test
  void forwardTargetsAreReadFromTheFileAndTheirSecretsNeverPrinted() throws Exception {
    EdgeSettings settings =
        load(
            """
            webhooks:
              forwarding:
                targets: {"http://127.0.0.1:3000/stripe/webhook": whsec_app}
                maxAttempts: 3
            """);

    assertThat(settings.webhooks().forwarding().targets())
        .containsExactly(Map.entry("http://127.0.0.1:3000/stripe/webhook", Secret.of("whsec_app")));
    assertThat(settings.webhooks().forwarding().maxAttempts()).isEqualTo(3);
    assertThat(settings.toString()).doesNotContain("whsec_app");
  }

  @Test
  void tierRetentionIsReadPerTierAndPerResource() throws Exception {
    EdgeSettings settings =
        load(
            "cache:\n  retention:\n    tiers:\n      redis: 30m\n    resources:\n"
                + "      payment_intents: {dynamodb: 1h}\n    streamWindow: 2m\n");

    RetentionConfig retention = settings.cache().retention();
    assertThat(retention.retention("redis", "customers")).isEqualTo(Duration.ofMinutes(30));
    assertThat(retention.retention("dynamodb", "payment_intents")).isEqualTo(Duration.ofHours(1));
    assertThat(retention.retention("dynamodb", "customers")).isEqualTo(Duration.ofHours(24));
    assertThat(retention.streamWindow()).isEqualTo(Duration.ofMinutes(2));
    assertThatThrownBy(() -> load("cache:\n  retention:\n    tiers:\n      redis: -1h\n"))
        .hasMessageContaining("cache.retention.tiers.redis");
  }

  @Test
  void sizingSamplingIsReadFromTheFile() throws Exception {
    EdgeSettings settings = load("sizing:\n  initialRate: 0.01\n");

    assertThat(settings.sizing().initialRate()).isEqualTo(0.01);
    assertThat(settings.sizing().maxSampledKeys()).isEqualTo(8192);
    assertThat(settings.sizing().enabled()).isTrue();
    assertThatThrownBy(() -> load("sizing:\n  initialRate: 5\n"))
        .hasMessageContaining("initialRate")
        .hasMessageContaining("5.0");
  }

  @Test
  void aSharedBudgetIsReadFromTheFileAndItsRedisPasswordNeverPrinted() throws Exception {
    EdgeSettings settings =
        load(
            """
            cacheKeySecret: "%s"
            budget:
              shared:
                redis:
                  redis: {enabled: true, uris: ["redis://:hunter2@10.0.0.5:6379"]}
                  leases: {leaseSize: 8}
            """
                .formatted(KEY_SECRET));

    RedisBudgetSettings redis = (RedisBudgetSettings) settings.budget().shared().settings("redis");
    assertThat(redis.leases().leaseSize()).isEqualTo(8);
    assertThat(redis.leases().heartbeat()).isEqualTo(SharedBudgetConfig.defaults().heartbeat());
    assertThat(redis.redis().uris()).containsExactly(Secret.of("redis://:hunter2@10.0.0.5:6379"));
    assertThat(settings.toString()).doesNotContain("hunter2");
  }

  @Test
  void aSharedBudgetNeedsRedisAndTheSameKeySecretOnEveryEdge() {
    assertThatThrownBy(() -> load("budget:\n  shared:\n    redis:\n      redis: {enabled: true}\n"))
        .hasMessageContaining("enabled needs uris");
    assertThatThrownBy(
            () ->
                load(
                    "budget:\n  shared:\n    redis:\n"
                        + "      redis: {enabled: true, uris: [\"redis://127.0.0.1:1\"]}\n"))
        .hasMessageContaining("cacheKeySecret");
    assertThatThrownBy(
            () ->
                load(
                    "cacheKeySecret: \""
                        + KEY_SECRET
                        + "\"\nbudget:\n  shared:\n    redis:\n"
                        + "      redis: {enabled: true, uris: [\"redis://127.0.0.1:1\"]}\n"
                        + "      leases: {leaseSize: 0}\n"))
        .hasMessageContaining("leaseSize must be at least 1: 0");
  }

  @Test
  void connectEndpointsAreReadFromTheFileAndTheirSecretsNeverPrinted() throws Exception {
    EdgeSettings settings =
        load(
            """
            webhooks:
              endpoints:
                - {path: /webhooks/connect, secrets: [whsec_connect_new, whsec_connect_old]}
            """,
            Map.of("STRIPE_EDGE_WEBHOOK_SECRETS", "whsec_p"));

    assertThat(settings.webhooks().endpoints())
        .containsExactly(
            new EdgeSettings.Endpoint(
                "/webhooks/connect",
                List.of(Secret.of("whsec_connect_new"), Secret.of("whsec_connect_old"))));
    assertThat(settings.webhooks().secrets()).containsExactly(Secret.of("whsec_p"));
    assertThat(settings.needsStore()).isTrue();
    assertThat(settings.toString()).doesNotContain("whsec_connect").doesNotContain("whsec_p");
  }

  @Test
  void connectEndpointSecretsComeFromTheEnvironmentOverTheFile() throws Exception {
    EdgeSettings settings =
        load(
            "webhooks:\n  endpoints:\n    - {path: /webhooks/connect, secrets: [whsec_file]}\n",
            Map.of(
                "STRIPE_EDGE_WEBHOOK_ENDPOINTS",
                "/webhooks/connect=whsec_new, whsec_old; /webhooks/other=whsec_other"));

    assertThat(settings.webhooks().endpoints())
        .containsExactly(
            new EdgeSettings.Endpoint(
                "/webhooks/connect", List.of(Secret.of("whsec_new"), Secret.of("whsec_old"))),
            new EdgeSettings.Endpoint("/webhooks/other", List.of(Secret.of("whsec_other"))));
    assertThatThrownBy(
            () ->
                EdgeSettingsLoader.load(
                    null, Map.of("STRIPE_EDGE_WEBHOOK_ENDPOINTS", "whsec_no_path")))
        .hasMessageContaining("/path=whsec_")
        .hasMessageNotContaining("whsec_no_path");
    // A secret where the path belongs (the fuzzer's finding) is not echoed either.
    assertThatThrownBy(
            () ->
                EdgeSettingsLoader.load(
                    null,
                    Map.of(
                        "STRIPE_EDGE_WEBHOOK_ENDPOINTS",
                        "/webhooks/connect=whsec_a;whsec_leaked_here=whsec_b")))
        .hasMessageContaining("must look like /webhooks/connect")
        .hasMessageNotContaining("whsec_leaked_here");
  }

  @Test
  void aConnectEndpointNeedsItsOwnPathAndASecret() {
    assertThatThrownBy(
            () ->
                load(
                    "webhooks:\n  endpoints:\n    - {path: /webhooks/stripe, secrets: [whsec_a]}\n"))
        .hasMessageContaining("/webhooks/stripe is used twice");
    assertThatThrownBy(
            () -> load("webhooks:\n  endpoints:\n    - {path: /webhooks/connect, secrets: []}\n"))
        .hasMessageContaining("webhooks.endpoints[/webhooks/connect] needs at least one");
    assertThatThrownBy(
            () -> load("webhooks:\n  endpoints:\n    - {path: /v1/connect, secrets: [whsec_a]}\n"))
        .hasMessageContaining("not be under /v1/");
  }

  @Test
  void aForwardTargetWithoutASecretIsRefused() {
    assertThatThrownBy(
            () ->
                load(
                    "webhooks:\n  forwarding:\n"
                        + "    targets: {\"http://127.0.0.1:3000/hook\": \"\"}\n"))
        .hasMessageContaining("http://127.0.0.1:3000/hook");
  }

  @Test
  void fileOverridesDefaultsEnvironmentOverridesFileAndFlagsOverrideBoth() throws Exception {
    Path file = dir.resolve("edge.yaml");
    Files.writeString(
        file,
        """
        port: 9000
        upstream: http://127.0.0.1:12111
        cache:
          ttls:
            customers: 5s
        """);

    EdgeSettings settings = EdgeSettingsLoader.load(file, Map.of("STRIPE_EDGE_PORT", "9100"));
    EdgeSettings flagged =
        EdgeSettingsLoader.load(
            file, Map.of("STRIPE_EDGE_PORT", "9100"), Map.of("port", 9200, "host", "0.0.0.0"));

    assertThat(settings.port()).isEqualTo(9100);
    assertThat(settings.upstream()).isEqualTo("http://127.0.0.1:12111");
    assertThat(settings.cache().ttls())
        .containsEntry("customers", Duration.ofSeconds(5))
        .containsEntry("prices", Duration.ofSeconds(300));
    assertThat(flagged.port()).isEqualTo(9200);
    assertThat(flagged.host()).isEqualTo("0.0.0.0");
  }

  @Test
  void withReplacesOneValueCheckedAsAFileWouldBe() {
    EdgeSettings settings = EdgeSettings.defaults().with("listeners.admin.port", 0);

    assertThat(settings.listeners().admin().port()).isZero();
    assertThat(settings.with("reconcile.period", Duration.ofSeconds(5)).reconcile().period())
        .isEqualTo(Duration.ofSeconds(5));
    assertThatThrownBy(() -> settings.with("listeners.admin.prot", 0))
        .hasMessageContaining("unknown setting listeners.admin.prot");
    assertThatThrownBy(() -> settings.with("port", 70000)).hasMessageContaining("70000");
  }

  @Test
  void unknownKeysAreErrorsNotSilentlyIgnored() {
    assertThatThrownBy(() -> load("cache:\n  ttl: {customers: 5s}\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown setting cache.ttl");
    assertThatThrownBy(() -> load("tiers:\n  memcached: {enabled: true}\n"))
        .hasMessageContaining("tiers.memcached");
  }

  @Test
  void aTypoIsNamedWhereItIsInTheFileWithTheNearestSetting() {
    assertThatThrownBy(() -> load("port: 8080\ncache:\n  maxByte: 10\n"))
        .hasMessageEndingWith(
            ":3:3: unknown setting cache.maxByte (did you mean maxBytes? every setting is in"
                + " edge-config.example.yaml)")
        .hasMessageNotContaining("Unrecognized field")
        .hasMessageNotContaining("dev.stripeedge");
    assertThatThrownBy(() -> load("port: eighty\n"))
        .hasMessageEndingWith(
            ":1:1: port: a value of the wrong kind (expected a whole number); the value is not"
                + " shown, it may be a secret");
    assertThatThrownBy(() -> load("retry:\n  deadline: often\n"))
        .hasMessageContaining(":2:3: retry.deadline: ")
        .hasMessageContaining("not a duration");
  }

  @Test
  void badYamlSaysWhereWithoutQuotingTheLine() {
    assertThatThrownBy(() -> load("port: 9000\ncache:\n  defaultTtl: [sk_live_secret\n"))
        .hasMessageContaining("line ")
        .hasMessageNotContaining("sk_live_secret");
  }

  @Test
  void badValuesNameTheProblem() {
    assertThatThrownBy(
            () -> EdgeSettingsLoader.load(null, Map.of("STRIPE_EDGE_UPSTREAM", "ftp://x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("upstream");
    assertThatThrownBy(() -> EdgeSettingsLoader.load(null, Map.of("STRIPE_EDGE_PORT", "eighty")))
        .hasMessageContaining("STRIPE_EDGE_PORT");
    // Clients send /v1/…: an upstream ending in /v1 would call /v1/v1/… and 404 on every call.
    assertThatThrownBy(
            () ->
                EdgeSettingsLoader.load(
                    null, Map.of("STRIPE_EDGE_UPSTREAM", "http://127.0.0.1:12111/v1")))
        .hasMessageContaining("no path");
  }

  @Test
  void secretsComeFromTheEnvironmentAndNeverShowInToString() {
    EdgeSettings settings =
        EdgeSettingsLoader.load(
            null,
            Map.of(
                "STRIPE_EDGE_WEBHOOK_SECRETS", "whsec_new, whsec_old",
                "STRIPE_EDGE_RECONCILE_API_KEY", "sk_test_reconcile"));

    assertThat(settings.webhooks().secrets())
        .containsExactly(Secret.of("whsec_new"), Secret.of("whsec_old"));
    assertThat(settings.reconcile().apiKey().reveal()).isEqualTo("sk_test_reconcile");
    assertThat(settings.needsStore()).isTrue();
    assertThat(settings.toString()).doesNotContain("whsec_").doesNotContain("sk_test_reconcile");
    assertThat(EdgeSettings.defaults().needsStore()).isFalse();
  }

  @Test
  void tierKeysAndTheCacheKeySecretComeFromTheEnvironmentAndNeverShow() throws Exception {
    String k2 = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
    String k1 = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
    String secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==";

    EdgeSettings settings =
        load(
            "tiers:\n  encryption:\n    enabled: true\n",
            Map.of(
                "STRIPE_EDGE_TIER_KEYS",
                "k2:" + k2 + ",k1:" + k1,
                "STRIPE_EDGE_CACHE_KEY_SECRET",
                secret));

    assertThat(settings.tiers().encryption().toKeys().currentId()).isEqualTo("k2");
    assertThat(settings.tiers().encryption().toKeys().ids()).containsExactlyInAnyOrder("k1", "k2");
    assertThat(settings.cacheKeySecretBytes()).hasSizeGreaterThanOrEqualTo(32);
    assertThat(settings.toString())
        .contains("k2=***")
        .doesNotContain(k1)
        .doesNotContain(k2)
        .doesNotContain(secret);
  }

  @Test
  void badTierSettingsAreClearErrors() throws Exception {
    assertThatThrownBy(() -> load("tiers:\n  encryption:\n    enabled: true\n"))
        .hasMessageContaining("tiers.encryption.enabled needs keys");
    assertThatThrownBy(
            () -> load("tiers:\n  encryption:\n    enabled: true\n    keys: {k1: \"AQEBAQ==\"}\n"))
        .hasMessageContaining("k1 must have 16, 24 or 32 bytes")
        .hasMessageNotContaining("AQEBAQ");
    assertThatThrownBy(() -> load("tiers:\n  sqlite:\n    timeout: 0s\n"))
        .hasMessageContaining("tiers.sqlite.timeout must be positive");
    assertThatThrownBy(
            () -> EdgeSettingsLoader.load(null, Map.of("STRIPE_EDGE_CACHE_KEY_SECRET", "c2hvcnQ=")))
        .hasMessageContaining("cacheKeySecret must hold at least 32 bytes");
    assertThatThrownBy(
            () -> load("tiers:\n  redis: {enabled: true, uris: [\"redis://127.0.0.1:1\"]}\n"))
        .hasMessageContaining("shared between edges")
        .hasMessageContaining("cacheKeySecret");
    // A shared event store keeps the secret for every edge: nothing to configure.
    assertThat(
            load("tiers:\n  redis: {enabled: true, uris: [\"redis://127.0.0.1:1\"]}\n"
                    + "store:\n  backend: redis\n  path: /tmp/edge.db\n"
                    + "  redis: {uris: [\"redis://127.0.0.1:1\"]}\n")
                .cacheKeySecret()
                .isEmpty())
        .isTrue();
  }

  @Test
  void forecastingIsOnByDefaultAndTheFileCanSwitchItOff() throws Exception {
    EdgeSettings settings = load("budget:\n  limits:\n    forecast: {enabled: false}\n");

    assertThat(EdgeSettings.defaults().budget().limits().forecast().enabled()).isTrue();
    assertThat(settings.budget().limits().forecast().enabled()).isFalse();
    assertThat(settings.budget().limits().globalRate()).isEqualTo(97);
  }

  @Test
  void theAdminTokenComesFromTheEnvironmentAndIsNeverPrinted() {
    EdgeSettings settings =
        EdgeSettingsLoader.load(
            null, Map.of("STRIPE_EDGE_ADMIN_TOKEN", " s3cret-admin-token-value \n"));

    assertThat(settings.listeners().admin().token().reveal()).isEqualTo("s3cret-admin-token-value");
    assertThat(settings.toString()).doesNotContain("s3cret").contains("token=***");
    assertThat(EdgeSettings.defaults().listeners().admin().token().isEmpty()).isTrue();
  }

  @Test
  void aShortAdminTokenIsRefusedWithoutShowingIt() {
    assertThatThrownBy(
            () -> EdgeSettingsLoader.load(null, Map.of("STRIPE_EDGE_ADMIN_TOKEN", "short-tok")))
        .hasMessageContaining("at least 16 characters")
        .hasMessageNotContaining("short-tok");
  }

  @Test
  void listenersAreReadFromTheFile() throws Exception {
    EdgeSettings.Listeners listeners =
        load("""
                listeners:
                  proxyTls: {certFile: /etc/edge/tls.crt, keyFile: /etc/edge/tls.key}
                  admin:
                    host: 10.0.0.5
                    port: 9901
                    allowedHosts: [edge-admin.internal]
                  webhooks: {enabled: true, host: 0.0.0.0, port: 8443}
                  tlsReload: 60s
                """)
            .listeners();

    assertThat(listeners.proxyTls().on()).isTrue();
    assertThat(listeners.proxyTls().keyFile()).isEqualTo("/etc/edge/tls.key");
    assertThat(listeners.admin().host()).isEqualTo("10.0.0.5");
    assertThat(listeners.admin().port()).isEqualTo(9901);
    assertThat(listeners.admin().allowedHosts()).containsExactly("edge-admin.internal");
    assertThat(listeners.admin().tls().on()).isFalse();
    assertThat(listeners.webhooks().enabled()).isTrue();
    assertThat(listeners.webhooks().port()).isEqualTo(8443);
    assertThat(listeners.tlsReload()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void badListenerSettingsAreRefusedWithTheValue() {
    assertThatThrownBy(() -> load("listeners:\n  proxyTls: {certFile: /etc/edge/tls.crt}\n"))
        .hasMessageContaining("both certFile and keyFile");
    assertThatThrownBy(() -> load("port: 9000\nlisteners:\n  admin:\n    port: 9000\n"))
        .hasMessageContaining("listeners.admin.port are both 9000");
  }
}
