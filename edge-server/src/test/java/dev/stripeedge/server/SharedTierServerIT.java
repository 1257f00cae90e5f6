package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.runtime.EdgeSettingsLoader;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import dev.stripeedge.testkit.RedisServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Two sidecars sharing a real Redis through {@code tiers.redis}: one cache, one invalidation. */
class SharedTierServerIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  @RegisterExtension static RedisServerExtension redis = new RedisServerExtension();

  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final String SECRET = "c2hhcmVkLXNlY3JldC1mb3ItYWxsLXRocmVlLWVkZ2VzIQ==";

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private EdgeServer first;
  private EdgeServer second;

  @AfterEach
  void stop() {
    for (EdgeServer edge : new EdgeServer[] {first, second}) {
      if (edge != null) {
        edge.close();
      }
    }
  }

  private EdgeSettings config(String name, Map<String, String> environment) throws Exception {
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(
        file,
        """
        port: 0
        upstream: %s
        listeners:
          admin:
            port: 0
        store:
          path: %s
        tiers:
          redis:
            enabled: true
          sqlite:
            enabled: false
        """
            .formatted(sim.baseUrl(), dir.resolve(name + ".db")));
    return EdgeSettingsLoader.load(file, environment);
  }

  private EdgeServer start(String name) throws Exception {
    return EdgeServer.start(
        config(
            name,
            Map.of("STRIPE_EDGE_REDIS_URIS", redis.uri(), "STRIPE_EDGE_CACHE_KEY_SECRET", SECRET)));
  }

  private HttpResponse<String> send(EdgeServer edge, String method, String path, String form)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path))
            .header("Authorization", "Bearer sk_test_shared_tier");
    if (method.equals("POST")) {
      request
          .header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString(form));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static long retrieves() {
    return sim.sim().counters().getOrDefault("GET /v1/customers/{id} 200", 0L);
  }

  @Test
  void oneEdgesFillIsAnotherEdgesHitAndOneEdgesWriteReachesTheOthersMemory() throws Exception {
    first = start("first");
    second = start("second");
    Matcher id = ID.matcher(send(first, "POST", "/v1/customers", "name=Before").body());
    assertThat(id.find()).isTrue();
    String path = "/v1/customers/" + id.group(1);
    // The create invalidated the new id; Redis refuses fills that began within its clock
    // tolerance (1 s) of that, as they might predate the write.
    Thread.sleep(1_200);
    send(first, "GET", path, "");
    long before = retrieves();

    HttpResponse<String> shared = awaitHit(second, path);

    assertThat(shared.headers().firstValue("Cache-Status").orElseThrow()).contains("detail=redis");
    assertThat(retrieves()).isEqualTo(before);
    assertThat(send(second, "GET", path, "").headers().firstValue("Cache-Status").orElseThrow())
        .contains("hit");

    // A write through the first edge: the second edge's memory hears it through Redis.
    send(first, "POST", path, "name=After");
    long deadline = System.nanoTime() + 30_000_000_000L;
    String body = send(second, "GET", path, "").body();
    while (!body.contains("After") && System.nanoTime() < deadline) {
      Thread.sleep(20);
      body = send(second, "GET", path, "").body();
    }
    assertThat(body).contains("After");
  }

  /**
   * The first edge writes through in the background: wait until Redis holds an entry (generously:
   * CI runs on a loaded machine).
   */
  private HttpResponse<String> awaitHit(EdgeServer edge, String path) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (String.valueOf(redis.command("KEYS stripe-edge:e:*")).isBlank()
        && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return send(edge, "GET", path, "");
  }

  @Test
  void aSharedTierWithoutOneCacheKeySecretIsRefusedWhenTheConfigurationLoads() {
    // Refused before anything starts: each edge would hash API keys differently.
    assertThatThrownBy(() -> config("lonely", Map.of("STRIPE_EDGE_REDIS_URIS", redis.uri())))
        .hasMessageContaining("STRIPE_EDGE_CACHE_KEY_SECRET");
  }
}
