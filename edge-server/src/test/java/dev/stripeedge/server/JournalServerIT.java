package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.stripe.net.Webhook;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierEntry;
import dev.stripeedge.runtime.EdgeRuntime;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The journal in {@code serve}: an event a tier failed to apply is applied again by the sweep. */
class JournalServerIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final String SECRET = "whsec_journal_test_secret";

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private @Nullable EdgeServer edge;

  @AfterEach
  void stop() {
    if (edge != null) {
      edge.close();
    }
  }

  /** The SQLite tier, failing its first invalidations (a tier that was down for a moment). */
  private record FlakyInvalidations(
      CacheTier tier, AtomicInteger toFail, List<Collection<String>> landed) implements CacheTier {

    @Override
    public String name() {
      return tier.name();
    }

    @Override
    public CompletableFuture<@Nullable TierEntry> get(String key) {
      return tier.get(key);
    }

    @Override
    public CompletableFuture<Map<String, TierEntry>> getAll(Collection<String> keys) {
      return tier.getAll(keys);
    }

    @Override
    public CompletableFuture<Boolean> put(TierEntry entry) {
      return tier.put(entry);
    }

    @Override
    public CompletableFuture<Void> invalidate(Collection<String> ids) {
      if (toFail.getAndDecrement() > 0) {
        return CompletableFuture.failedFuture(new IllegalStateException("tier down"));
      }
      return tier.invalidate(ids).thenRun(() -> landed.add(Set.copyOf(ids)));
    }

    @Override
    public void close() {
      tier.close();
    }
  }

  private long count(String sql) throws SQLException {
    try (Connection connection =
            DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("edge.db"));
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery(sql)) {
      row.next();
      return row.getLong(1);
    }
  }

  @Test
  void anEventATierFailedToApplyIsAppliedAgainAndThenMarked() throws Exception {
    AtomicInteger toFail = new AtomicInteger(3);
    List<Collection<String>> landed = new CopyOnWriteArrayList<>();
    edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("listeners.admin.port", 0)
                .with("upstream", sim.baseUrl())
                .with("webhooks.secrets", List.of(SECRET))
                .with("store.path", dir.resolve("edge.db").toString()),
            new EdgeServer.Hooks(
                new EdgeRuntime.Hooks(
                    tier -> new FlakyInvalidations(tier, toFail, landed), Duration.ofMillis(100)),
                () -> {}));
    String payload =
        "{\"id\":\"evt_journal_1\",\"object\":\"event\",\"type\":\"customer.updated\",\"created\":"
            + Instant.now().getEpochSecond()
            + ",\"data\":{\"object\":{\"id\":\"cus_journal\",\"object\":\"customer\"}}}";

    HttpResponse<String> delivered =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + edge.port() + "/webhooks/stripe"))
                .header(
                    "Stripe-Signature",
                    Webhook.Signature.generateSignatureHeader(
                        payload, SECRET, Instant.now().getEpochSecond()))
                .POST(HttpRequest.BodyPublishers.ofString(payload))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(delivered.statusCode()).isEqualTo(200);

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (count("SELECT COUNT(*) FROM processed_events WHERE applied = 1") == 0
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }

    assertThat(count("SELECT COUNT(*) FROM processed_events WHERE applied = 1")).isEqualTo(1);
    assertThat(toFail.get()).as("every failure was used up").isNegative();
    assertThat(landed).contains(Set.of("cus_journal"));
    assertThat(edge.metricsRegistry().get("stripe.edge.events.reapplied").counter().count())
        .isGreaterThanOrEqualTo(1);
  }
}
