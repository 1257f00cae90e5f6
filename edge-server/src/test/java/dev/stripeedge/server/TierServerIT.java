package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve} with its default tiers: the SQLite file keeps the cache across a restart. */
class TierServerIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  private EdgeSettings config() {
    return EdgeSettings.defaults()
        .with("port", 0)
        .with("listeners.admin.port", 0)
        .with("upstream", sim.baseUrl())
        .with("store.path", dir.resolve("edge.db").toString());
  }

  private HttpResponse<String> send(EdgeServer edge, String method, String path, String key)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path))
            .header("Authorization", "Bearer " + key);
    if (method.equals("POST")) {
      request
          .header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString("name=Persisted"));
    } else {
      request.GET();
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static long simCount(String outcome) {
    return sim.sim().counters().getOrDefault(outcome, 0L);
  }

  private long rows() throws SQLException {
    try (Connection connection =
            DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("edge.db"));
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT COUNT(*) FROM cache_entries")) {
      row.next();
      return row.getLong(1);
    }
  }

  /** The database file and its WAL as text. */
  private String fileText() throws Exception {
    StringBuilder text = new StringBuilder();
    for (String name : new String[] {"edge.db", "edge.db-wal"}) {
      Path file = dir.resolve(name);
      if (Files.exists(file)) {
        text.append(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
      }
    }
    return text.toString();
  }

  private String customer(String key) throws Exception {
    // Created straight at the simulator: the edge's own write would leave an invalidation marker.
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/customers"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("name=Persisted"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Matcher matcher = ID.matcher(created.body());
    assertThat(matcher.find()).isTrue();
    return matcher.group(1);
  }

  @Test
  void aRestartedServerAnswersFromTheSqliteFile() throws Exception {
    String key = "sk_test_tier_server";
    String path = "/v1/customers/" + customer(key);
    HttpResponse<String> miss;
    try (EdgeServer first = EdgeServer.start(config())) {
      miss = send(first, "GET", path, key);
    }
    // Closing the server lets the queued write-through finish.
    assertThat(rows()).isEqualTo(1);
    assertThat(fileText()).contains("Persisted"); // in clear without encryption

    long before = simCount("GET /v1/customers/{id} 200");
    HttpResponse<String> hit;
    try (EdgeServer restarted = EdgeServer.start(config())) {
      hit = send(restarted, "GET", path, key);
      assertThat(
              restarted
                  .metricsRegistry()
                  .get("stripe.edge.tier.lookups")
                  .tag("tier", "sqlite")
                  .tag("outcome", "hit")
                  .timer()
                  .count())
          .isEqualTo(1);
    }

    assertThat(miss.headers().firstValue("Cache-Status")).get().asString().contains("fwd=miss");
    assertThat(hit.headers().firstValue("Cache-Status"))
        .hasValue("stripe-edge; hit; detail=sqlite");
    assertThat(hit.body()).isEqualTo(miss.body());
    assertThat(simCount("GET /v1/customers/{id} 200")).isEqualTo(before);
  }

  @Test
  void withEncryptionTheFileHoldsNoPlaintextAndARestartStillHits() throws Exception {
    EdgeSettings sealed =
        config()
            .with(
                Map.of(
                    "tiers.encryption.enabled",
                    true,
                    "tiers.encryption.keys",
                    Map.of("k1", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=")));
    String key = "sk_test_tier_sealed_server";
    String path = "/v1/customers/" + customer(key);
    try (EdgeServer first = EdgeServer.start(sealed)) {
      send(first, "GET", path, key);
    }
    assertThat(rows()).isEqualTo(1);
    assertThat(fileText()).doesNotContain("Persisted");

    try (EdgeServer restarted = EdgeServer.start(sealed)) {
      HttpResponse<String> hit = send(restarted, "GET", path, key);
      assertThat(hit.headers().firstValue("Cache-Status"))
          .hasValue("stripe-edge; hit; detail=sqlite");
      assertThat(hit.body()).contains("Persisted");
    }
  }

  @Test
  void withTheTierOffNothingIsCachedInTheFile() throws Exception {
    EdgeSettings off = config().with("tiers.sqlite.enabled", false);
    String key = "sk_test_tier_off";
    String path = "/v1/customers/" + customer(key);
    try (EdgeServer edge = EdgeServer.start(off)) {
      HttpResponse<String> miss = send(edge, "GET", path, key);
      assertThat(miss.headers().firstValue("Server-Timing"))
          .get()
          .asString()
          .doesNotContain("tier");
    }

    // The file may exist (the asynchronous-write queue lives there), but holds no cache table.
    Path file = dir.resolve("edge.db");
    if (Files.exists(file)) {
      try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
          java.sql.ResultSet tables =
              db.createStatement()
                  .executeQuery("SELECT name FROM sqlite_master WHERE name LIKE 'cache%'")) {
        assertThat(tables.next()).as("a cache table in the file").isFalse();
      }
    }
  }
}
