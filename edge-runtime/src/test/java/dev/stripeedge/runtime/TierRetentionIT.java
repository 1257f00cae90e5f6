package dev.stripeedge.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.webhooks.EventProcessor;
import dev.stripeedge.core.webhooks.StripeSignature;
import dev.stripeedge.core.webhooks.WebhookIngest;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import dev.stripeedge.testkit.FakeTime;
import dev.stripeedge.testkit.Waits;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier retention through the runtime, on the real SQLite tier and the simulator: an entry past its
 * TTL and past memory's windows is served from SQLite while signed webhook deliveries keep coming,
 * and revalidated with Stripe once they stop. Time is fake (the tier's clock included); the
 * deliveries go through the webhook ingest the sidecar uses, signed as Stripe signs.
 */
class TierRetentionIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final String SECRET = "whsec_tier_retention";
  private static final String KEY = "sk_test_tier_retention";
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

  @TempDir Path dir;

  private final FakeTime time = new FakeTime();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private EdgeRuntime start() {
    EdgeSettings settings =
        EdgeSettings.defaults()
            .with(
                Map.of(
                    "upstream", sim.baseUrl(),
                    "store.path", dir.resolve("edge.db").toString(),
                    "webhooks.secrets", List.of(SECRET)));
    return EdgeRuntime.start(
        settings, meters, new EdgeRuntime.Time(time.clock(), time, time), EdgeRuntime.Hooks.NONE);
  }

  private static EdgeResponse call(EdgePipeline edge, String method, String path, String body) {
    return edge.handle(
            new EdgeRequest(
                method,
                path,
                method.equals("GET") ? body : "",
                Map.of(
                    "authorization", List.of("Bearer " + KEY),
                    "content-type", List.of("application/x-www-form-urlencoded")),
                method.equals("GET") ? new byte[0] : body.getBytes(UTF_8)))
        .orTimeout(30, TimeUnit.SECONDS)
        .join();
  }

  private static String idOf(EdgeResponse response) {
    Matcher id = ID.matcher(response.bodyText());
    assertThat(id.find()).as(response.bodyText()).isTrue();
    return id.group(1);
  }

  /** Delivers {@code event} signed now (fake time), as Stripe would (again and again). */
  private void deliver(WebhookIngest ingest, byte[] event) {
    String signature = StripeSignature.header(SECRET, time.instant().getEpochSecond(), event);
    assertThat(ingest.accept(event, signature)).isInstanceOf(WebhookIngest.Result.Accepted.class);
  }

  private double retained(String outcome) {
    Counter counter =
        meters
            .find("stripe.edge.tier.retained")
            .tag("tier", "sqlite")
            .tag("outcome", outcome)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  private double sqliteWrites() {
    Counter counter =
        meters
            .find("stripe.edge.tier.writes")
            .tag("tier", "sqlite")
            .tag("outcome", "stored")
            .counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void anOldEntryIsServedWhileWebhooksArriveAndRevalidatedOnceTheyStop() {
    try (EdgeRuntime runtime = start()) {
      EdgePipeline edge = runtime.pipeline();
      EventProcessor processor = Objects.requireNonNull(runtime.eventProcessor());
      WebhookIngest ingest =
          WebhookIngest.of(
              "/webhooks/stripe",
              StripeSignature.of(List.of(SECRET), StripeSignature.DEFAULT_TOLERANCE, time.clock()),
              processor,
              WebhookIngest.DEFAULT_MAX_PAYLOAD_BYTES,
              meters);
      String customer = idOf(call(edge, "POST", "/v1/customers", "name=Retained"));
      EdgeResponse events = call(edge, "GET", "/v1/events", "limit=1");
      assertThat(events.status()).as(events.bodyText()).isEqualTo(200);
      Matcher eventId = Pattern.compile("\"(evt_[^\"]+)\"").matcher(events.bodyText());
      assertThat(eventId.find()).as(events.bodyText()).isTrue();
      EdgeResponse one = call(edge, "GET", "/v1/events/" + eventId.group(1), "");
      assertThat(one.status()).as(one.bodyText()).isEqualTo(200);
      byte[] event = one.body();

      // The stream is heard, then the customer is read: Stripe once, stored in SQLite for a day.
      time.advance(Duration.ofSeconds(2));
      deliver(ingest, event);
      time.advance(Duration.ofSeconds(2));
      String path = "/v1/customers/" + customer;
      double writes = sqliteWrites();
      assertThat(call(edge, "GET", path, "").header("cache-status")).contains("fwd=miss");
      Waits.until("the fill stored in SQLite", () -> sqliteWrites() > writes);

      // Two hours later, a delivery every minute: past the 60 s TTL and memory's 5 min, SQLite
      // answers.
      for (int minute = 0; minute < 120; minute++) {
        time.advance(Duration.ofMinutes(1));
        deliver(ingest, event);
      }
      EdgeResponse served = call(edge, "GET", path, "");
      assertThat(served.header("cache-status")).isEqualTo("stripe-edge; hit; detail=sqlite");
      assertThat(Long.parseLong(Objects.requireNonNull(served.header("age"))))
          .isGreaterThanOrEqualTo(7200);
      assertThat(retained("served")).isEqualTo(1);

      // Then the deliveries stop: one window (5 min) later the entry is revalidated first.
      time.advance(Duration.ofMinutes(6));
      EdgeResponse revalidated = call(edge, "GET", path, "");
      assertThat(revalidated.header("cache-status")).contains("fwd=miss");
      assertThat(revalidated.bodyText()).contains(customer);
      assertThat(retained("revalidated")).isEqualTo(1);
    }
  }
}
