package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import dev.stripeedge.testkit.RedisServerExtension;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} with {@code budget.redis}: shares the budget when Redis is there, serves without.
 */
class SharedBudgetServerIT {

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  static final StripeSimExtension sim = new StripeSimExtension(SimConfig.forTests());

  private static final String SECRET = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  private EdgeSettings config(String redisUri) {
    return EdgeSettings.defaults()
        .with(
            Map.of(
                "port",
                0,
                "listeners.admin.port",
                0,
                "upstream",
                sim.baseUrl(),
                "store.path",
                dir.resolve("edge.db").toString(),
                "cacheKeySecret",
                SECRET,
                "budget.shared.redis.redis.enabled",
                true,
                "budget.shared.redis.redis.uris",
                List.of(redisUri)));
  }

  private HttpResponse<String> get(EdgeServer edge, String path) throws Exception {
    int port = path.equals("/metrics") ? edge.adminPort() : edge.port();
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer sk_test_shared")
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String metricsOnceSettled(EdgeServer edge, String expected) throws Exception {
    long until = System.nanoTime() + 20_000_000_000L;
    String metrics = get(edge, "/metrics").body();
    while (!metrics.contains(expected) && System.nanoTime() < until) {
      Thread.sleep(50);
      metrics = get(edge, "/metrics").body();
    }
    return metrics;
  }

  @Test
  void twoServersPointedAtOneRedisShareTheBudgetAndSeeEachOther() throws Exception {
    try (EdgeServer a = EdgeServer.start(config(redis.uri()));
        EdgeServer b =
            EdgeServer.start(
                config(redis.uri()).with("store.path", dir.resolve("other.db").toString()))) {
      assertThat(get(a, "/v1/customers").statusCode()).isEqualTo(200);
      assertThat(get(b, "/v1/customers").statusCode()).isEqualTo(200);

      metricsOnceSettled(a, "stripe_edge_budget_shared_edges 2.0");
      // A lease is taken by an upstream attempt made while the budget is shared. On a loaded
      // machine the first requests can run on the local share (Redis answered too slowly at
      // start, then came back), so keep making attempts (unknown ids: never a cache hit) until
      // one is granted, rather than wait for a lease nothing asks for.
      String granted = "stripe_edge_budget_shared_leases_total{outcome=\"granted\"}";
      String metrics = get(a, "/metrics").body();
      for (int i = 0; !metrics.contains(granted) && i < 200; i++) {
        get(a, "/v1/customers/cus_probe" + i);
        Thread.sleep(100);
        metrics = get(a, "/metrics").body();
      }

      assertThat(metrics)
          .contains("stripe_edge_budget_shared 1.0")
          .contains("stripe_edge_budget_shared_edges 2.0")
          .contains("stripe_edge_budget_shared_leases_total{outcome=\"granted\"}");
    }
  }

  @Test
  void withoutRedisTheServerServesOnItsLocalShare() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    try (EdgeServer edge = EdgeServer.start(config("redis://127.0.0.1:" + closedPort))) {
      assertThat(get(edge, "/v1/customers").statusCode()).isEqualTo(200);

      assertThat(metricsOnceSettled(edge, "stripe_edge_budget_shared 0.0"))
          .contains("stripe_edge_budget_shared 0.0");
      assertThat(get(edge, "/v1/customers").statusCode()).isEqualTo(200);
    }
  }
}
