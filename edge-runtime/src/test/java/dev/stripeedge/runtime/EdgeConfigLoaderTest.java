package dev.stripeedge.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EdgeConfigLoaderTest {

  @TempDir Path dir;

  @Test
  void theDocumentedExampleIsExactlyTheDefaults() {
    Path example = Path.of("..", "docs", "edge-config.example.yaml");

    assertThat(EdgeConfigLoader.load(example, Map.of())).isEqualTo(EdgeConfig.defaults());
  }

  @Test
  void asyncWritesAreReadFromTheFileWithTheCallbackSecretFromTheEnvironment() throws Exception {
    Path file = dir.resolve("async.yaml");
    Files.writeString(
        file,
        """
        asyncWrites:
          retention: 3600
          visibilityTimeout: PT30S
          routes:
            "POST /v1/customers/{id}": BY_DEFAULT
        """);

    EdgeConfig config =
        EdgeConfigLoader.load(file, Map.of("STRIPE_EDGE_ASYNC_CALLBACK_SECRET", "whsec_edge_cb"));

    assertThat(config.asyncWrites().retention()).isEqualTo(java.time.Duration.ofHours(1));
    assertThat(config.asyncWrites().visibilityTimeout())
        .isEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(config.asyncWrites().routes())
        .containsEntry(
            "POST /v1/customers/{id}",
            dev.stripeedge.core.queue.AsyncWriteConfig.AsyncRoute.BY_DEFAULT)
        .containsEntry(
            "POST /v1/payment_intents/{id}/confirm",
            dev.stripeedge.core.queue.AsyncWriteConfig.AsyncRoute.FORBIDDEN);
    assertThat(config.asyncWrites().callbackSecret()).isEqualTo("whsec_edge_cb");
    assertThat(config.toString()).doesNotContain("whsec_edge_cb");
  }

  @Test
  void anAsyncRouteKeyThatIsNotAWriteIsRefused() throws Exception {
    Path file = dir.resolve("bad-async.yaml");
    Files.writeString(file, "asyncWrites:\n  routes:\n    \"GET /v1/customers\": BY_DEFAULT\n");

    assertThatThrownBy(() -> EdgeConfigLoader.load(file, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("GET /v1/customers");
  }

  @Test
  void forwardTargetsAreReadFromTheFileAndTheirSecretsNeverPrinted() throws Exception {
    Path file = dir.resolve("forward.yaml");
    Files.writeString(
        file,
        """
        webhooks:
          forward:
            - {url: "http://127.0.0.1:3000/stripe/webhook", secret: whsec_app}
          forwardMaxAttempts: 3
        """);

    EdgeConfig config = EdgeConfigLoader.load(file, Map.of());

    assertThat(config.webhooks().forward())
        .containsExactly(
            new EdgeConfig.Forward("http://127.0.0.1:3000/stripe/webhook", "whsec_app"));
    assertThat(config.webhooks().toForwardConfig().maxAttempts()).isEqualTo(3);
    assertThat(config.toString()).doesNotContain("whsec_app");
  }

  @Test
  void sizingSamplingIsReadFromTheFile() throws Exception {
    Path file = dir.resolve("sizing.yaml");
    Files.writeString(file, "cache:\n  sizing:\n    initialRate: 0.01\n");

    EdgeConfig config = EdgeConfigLoader.load(file, Map.of());

    assertThat(config.cache().sizing().toCore().initialRate()).isEqualTo(0.01);
    assertThat(config.cache().sizing().toCore().maxSampledKeys()).isEqualTo(8192);
    assertThat(config.cache().sizing().enabled()).isTrue();
  }

  @Test
  void aSizingRateAboveOneIsRefusedWithTheValue() throws Exception {
    Path file = dir.resolve("bad-sizing.yaml");
    Files.writeString(file, "cache:\n  sizing:\n    initialRate: 5\n");

    assertThatThrownBy(() -> EdgeConfigLoader.load(file, Map.of()))
        .hasMessageContaining("initialRate")
        .hasMessageContaining("5.0");
  }

  @Test
  void aSharedBudgetIsReadFromTheFileAndItsRedisPasswordNeverPrinted() throws Exception {
    Path file = dir.resolve("shared.yaml");
    Files.writeString(
        file,
        """
        cache:
          keySecret: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
        budget:
          redis:
            enabled: true
            uris: ["redis://:hunter2@10.0.0.5:6379"]
            leaseSize: 8
        """);

    EdgeConfig config = EdgeConfigLoader.load(file, Map.of());

    assertThat(config.budget().redis().toCore().leaseSize()).isEqualTo(8);
    assertThat(config.budget().redis().toRedis().uris())
        .containsExactly("redis://:hunter2@10.0.0.5:6379");
    assertThat(config.toString()).contains("redis://***@10.0.0.5:6379").doesNotContain("hunter2");
  }

  @Test
  void aSharedBudgetNeedsRedisAndTheSameKeySecretOnEveryEdge() throws Exception {
    Path noUri = dir.resolve("no-uri.yaml");
    Files.writeString(noUri, "budget:\n  redis:\n    enabled: true\n");
    Path noSecret = dir.resolve("no-secret.yaml");
    Files.writeString(
        noSecret, "budget:\n  redis:\n    enabled: true\n    uris: [\"redis://127.0.0.1:1\"]\n");
    Path badLease = dir.resolve("bad-lease.yaml");
    Files.writeString(
        badLease,
        "cache:\n  keySecret: \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"\n"
            + "budget:\n  redis:\n    enabled: true\n    uris: [\"redis://127.0.0.1:1\"]\n"
            + "    leaseSize: 0\n");

    assertThatThrownBy(() -> EdgeConfigLoader.load(noUri, Map.of()))
        .hasMessageContaining("budget.redis.uris");
    assertThatThrownBy(() -> EdgeConfigLoader.load(noSecret, Map.of()))
        .hasMessageContaining("cache.keySecret");
    assertThatThrownBy(() -> EdgeConfigLoader.load(badLease, Map.of()))
        .hasMessageContaining("leaseSize must be at least 1: 0");
  }

  @Test
  void connectEndpointsAreReadFromTheFileAndTheirSecretsNeverPrinted() throws Exception {
    Path file = dir.resolve("connect.yaml");
    Files.writeString(
        file,
        """
        webhooks:
          endpoints:
            - {path: /webhooks/connect, secrets: [whsec_connect_new, whsec_connect_old]}
        """);

    EdgeConfig config =
        EdgeConfigLoader.load(file, Map.of("STRIPE_EDGE_WEBHOOK_SECRETS", "whsec_p"));

    assertThat(config.webhooks().endpoints())
        .containsExactly(
            new EdgeConfig.Endpoint(
                "/webhooks/connect", List.of("whsec_connect_new", "whsec_connect_old")));
    assertThat(config.webhooks().secrets()).containsExactly("whsec_p");
    assertThat(config.needsStore()).isTrue();
    assertThat(config.toString()).doesNotContain("whsec_connect").doesNotContain("whsec_p");
  }

  @Test
  void connectEndpointSecretsComeFromTheEnvironmentOverTheFile() throws Exception {
    Path file = dir.resolve("connect-env.yaml");
    Files.writeString(
        file, "webhooks:\n  endpoints:\n    - {path: /webhooks/connect, secrets: [whsec_file]}\n");

    EdgeConfig config =
        EdgeConfigLoader.load(
            file,
            Map.of(
                "STRIPE_EDGE_WEBHOOK_ENDPOINTS",
                "/webhooks/connect=whsec_new, whsec_old; /webhooks/other=whsec_other"));

    assertThat(config.webhooks().endpoints())
        .containsExactly(
            new EdgeConfig.Endpoint("/webhooks/connect", List.of("whsec_new", "whsec_old")),
            new EdgeConfig.Endpoint("/webhooks/other", List.of("whsec_other")));
    assertThatThrownBy(
            () ->
                EdgeConfigLoader.load(
                    null, Map.of("STRIPE_EDGE_WEBHOOK_ENDPOINTS", "whsec_no_path")))
        .hasMessageContaining("/path=whsec_")
        .hasMessageNotContaining("whsec_no_path");
    // A secret where the path belongs (the fuzzer's finding) is not echoed either.
    assertThatThrownBy(
            () ->
                EdgeConfigLoader.load(
                    null,
                    Map.of(
                        "STRIPE_EDGE_WEBHOOK_ENDPOINTS",
                        "/webhooks/connect=whsec_a;whsec_leaked_here=whsec_b")))
        .hasMessageContaining("must look like /webhooks/connect")
        .hasMessageNotContaining("whsec_leaked_here");
  }

  @Test
  void aConnectEndpointNeedsItsOwnPathAndASecret() throws Exception {
    Path twice = dir.resolve("twice.yaml");
    Files.writeString(
        twice, "webhooks:\n  endpoints:\n    - {path: /webhooks/stripe, secrets: [whsec_a]}\n");
    Path noSecret = dir.resolve("no-secret.yaml");
    Files.writeString(
        noSecret, "webhooks:\n  endpoints:\n    - {path: /webhooks/connect, secrets: []}\n");
    Path underApi = dir.resolve("under-api.yaml");
    Files.writeString(
        underApi, "webhooks:\n  endpoints:\n    - {path: /v1/connect, secrets: [whsec_a]}\n");

    assertThatThrownBy(() -> EdgeConfigLoader.load(twice, Map.of()))
        .hasMessageContaining("/webhooks/stripe is used twice");
    assertThatThrownBy(() -> EdgeConfigLoader.load(noSecret, Map.of()))
        .hasMessageContaining("webhooks.endpoints[/webhooks/connect] needs at least one");
    assertThatThrownBy(() -> EdgeConfigLoader.load(underApi, Map.of()))
        .hasMessageContaining("not be under /v1/");
  }

  @Test
  void aForwardTargetWithoutASecretIsRefused() throws Exception {
    Path file = dir.resolve("bad-forward.yaml");
    Files.writeString(
        file, "webhooks:\n  forward:\n    - {url: \"http://127.0.0.1:3000/hook\", secret: \"\"}\n");

    assertThatThrownBy(() -> EdgeConfigLoader.load(file, Map.of()))
        .hasMessageContaining("http://127.0.0.1:3000/hook");
  }

  @Test
  void fileOverridesDefaultsAndEnvironmentOverridesFile() throws Exception {
    Path file = dir.resolve("edge.yaml");
    Files.writeString(
        file,
        """
        port: 9000
        upstream: http://127.0.0.1:12111
        cache:
          ttlSeconds:
            customers: 5
        """);

    EdgeConfig config = EdgeConfigLoader.load(file, Map.of("STRIPE_EDGE_PORT", "9100"));

    assertThat(config.port()).isEqualTo(9100);
    assertThat(config.upstream()).isEqualTo("http://127.0.0.1:12111");
    assertThat(config.cache().ttlSeconds())
        .containsEntry("customers", 5L)
        .containsEntry("prices", 300L);
  }

  @Test
  void unknownKeysAreErrorsNotSilentlyIgnored() throws Exception {
    Path file = dir.resolve("typo.yaml");
    Files.writeString(file, "cache:\n  ttlSecond: {customers: 5}\n");

    assertThatThrownBy(() -> EdgeConfigLoader.load(file, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown setting cache.ttlSecond");
  }

  @Test
  void badValuesNameTheProblem() {
    assertThatThrownBy(() -> EdgeConfigLoader.load(null, Map.of("STRIPE_EDGE_UPSTREAM", "ftp://x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("upstream");
    assertThatThrownBy(() -> EdgeConfigLoader.load(null, Map.of("STRIPE_EDGE_PORT", "eighty")))
        .hasMessageContaining("STRIPE_EDGE_PORT");
  }

  @Test
  void secretsComeFromTheEnvironmentAndNeverShowInToString() {
    EdgeConfig config =
        EdgeConfigLoader.load(
            null,
            Map.of(
                "STRIPE_EDGE_WEBHOOK_SECRETS", "whsec_new, whsec_old",
                "STRIPE_EDGE_RECONCILE_API_KEY", "sk_test_reconcile"));

    assertThat(config.webhooks().secrets()).containsExactly("whsec_new", "whsec_old");
    assertThat(config.reconcile().apiKey()).isEqualTo("sk_test_reconcile");
    assertThat(config.needsStore()).isTrue();
    assertThat(config.toString()).doesNotContain("whsec_").doesNotContain("sk_test_reconcile");
    assertThat(EdgeConfig.defaults().needsStore()).isFalse();
  }

  @Test
  void tierKeysAndTheCacheKeySecretComeFromTheEnvironmentAndNeverShow() throws Exception {
    String k2 = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
    String k1 = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
    String secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==";
    Path file = dir.resolve("tiers.yaml");
    Files.writeString(file, "tiers:\n  encryption:\n    enabled: true\n");

    EdgeConfig config =
        EdgeConfigLoader.load(
            file,
            Map.of(
                "STRIPE_EDGE_TIER_KEYS",
                "k2:" + k2 + ",k1:" + k1,
                "STRIPE_EDGE_CACHE_KEY_SECRET",
                secret));

    assertThat(config.tiers().encryption().toKeys().currentId()).isEqualTo("k2");
    assertThat(config.tiers().encryption().toKeys().ids()).containsExactlyInAnyOrder("k1", "k2");
    assertThat(config.cache().keySecretBytes()).hasSizeGreaterThanOrEqualTo(32);
    assertThat(config.toString())
        .contains("keys=[k2, k1]")
        .doesNotContain(k1)
        .doesNotContain(k2)
        .doesNotContain(secret);
  }

  @Test
  void badTierSettingsAreClearErrors() throws Exception {
    Path noKeys = dir.resolve("no-keys.yaml");
    Files.writeString(noKeys, "tiers:\n  encryption:\n    enabled: true\n");
    Path shortKey = dir.resolve("short.yaml");
    Files.writeString(
        shortKey, "tiers:\n  encryption:\n    enabled: true\n    keys: {k1: \"AQEBAQ==\"}\n");
    Path slow = dir.resolve("slow.yaml");
    Files.writeString(slow, "tiers:\n  sqlite:\n    timeoutMillis: 0\n");

    assertThatThrownBy(() -> EdgeConfigLoader.load(noKeys, Map.of()))
        .hasMessageContaining("tiers.encryption.enabled needs keys");
    assertThatThrownBy(() -> EdgeConfigLoader.load(shortKey, Map.of()))
        .hasMessageContaining("k1 must have 16, 24 or 32 bytes")
        .hasMessageNotContaining("AQEBAQ");
    assertThatThrownBy(() -> EdgeConfigLoader.load(slow, Map.of()))
        .hasMessageContaining("tiers.sqlite.timeoutMillis must be positive: 0");
    assertThatThrownBy(
            () -> EdgeConfigLoader.load(null, Map.of("STRIPE_EDGE_CACHE_KEY_SECRET", "c2hvcnQ=")))
        .hasMessageContaining("cache.keySecret must hold at least 32 bytes");
  }

  @Test
  void forecastingIsOnByDefaultAndTheFileCanSwitchItOff() throws Exception {
    Path file = dir.resolve("budget.yaml");
    Files.writeString(
        file,
        """
        budget:
          forecast: false
        """);

    assertThat(EdgeConfig.defaults().budget().toCore().forecast().enabled()).isTrue();
    EdgeConfig config = EdgeConfigLoader.load(file, Map.of());
    assertThat(config.budget().toCore().forecast().enabled()).isFalse();
    assertThat(config.budget().toCore().globalRate()).isEqualTo(97);
  }

  @Test
  void theAdminTokenComesFromTheEnvironmentAndIsNeverPrinted() {
    EdgeConfig config =
        EdgeConfigLoader.load(
            null, Map.of("STRIPE_EDGE_ADMIN_TOKEN", " s3cret-admin-token-value \n"));

    assertThat(config.listeners().admin().token()).isEqualTo("s3cret-admin-token-value");
    assertThat(config.toString()).doesNotContain("s3cret").contains("token=set");
    assertThat(EdgeConfig.defaults().listeners().admin().token()).isEmpty();
  }

  @Test
  void aShortAdminTokenIsRefusedWithoutShowingIt() {
    assertThatThrownBy(
            () -> EdgeConfigLoader.load(null, Map.of("STRIPE_EDGE_ADMIN_TOKEN", "short-tok")))
        .hasMessageContaining("at least 16 characters")
        .hasMessageNotContaining("short-tok");
  }

  @Test
  void listenersAreReadFromTheFile() throws Exception {
    Path file = dir.resolve("listeners.yaml");
    Files.writeString(
        file,
        """
        listeners:
          proxyTls: {certFile: /etc/edge/tls.crt, keyFile: /etc/edge/tls.key}
          admin:
            host: 10.0.0.5
            port: 9901
            allowedHosts: [edge-admin.internal]
          webhooks: {enabled: true, host: 0.0.0.0, port: 8443}
          tlsReloadSeconds: 60
        """);

    EdgeConfig.Listeners listeners = EdgeConfigLoader.load(file, Map.of()).listeners();

    assertThat(listeners.proxyTls().on()).isTrue();
    assertThat(listeners.proxyTls().keyFile()).isEqualTo("/etc/edge/tls.key");
    assertThat(listeners.admin().host()).isEqualTo("10.0.0.5");
    assertThat(listeners.admin().port()).isEqualTo(9901);
    assertThat(listeners.admin().allowedHosts()).containsExactly("edge-admin.internal");
    assertThat(listeners.admin().tls().on()).isFalse();
    assertThat(listeners.webhooks().enabled()).isTrue();
    assertThat(listeners.webhooks().port()).isEqualTo(8443);
    assertThat(listeners.tlsReloadSeconds()).isEqualTo(60);
  }

  @Test
  void badListenerSettingsAreRefusedWithTheValue() throws Exception {
    Path halfTls = dir.resolve("half-tls.yaml");
    Files.writeString(halfTls, "listeners:\n  proxyTls: {certFile: /etc/edge/tls.crt}\n");
    Path samePort = dir.resolve("same-port.yaml");
    Files.writeString(samePort, "port: 9000\nlisteners:\n  admin:\n    port: 9000\n");

    assertThatThrownBy(() -> EdgeConfigLoader.load(halfTls, Map.of()))
        .hasMessageContaining("both certFile and keyFile");
    assertThatThrownBy(() -> EdgeConfigLoader.load(samePort, Map.of()))
        .hasMessageContaining("listeners.admin.port are both 9000");
  }
}
