package dev.stripeedge.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client (or a signed event) must not get an entry stored that other reads of the same key then
 * take for something it is not: an expanded object for a plain retrieve, an event's short-lived
 * copy for a fresh fill, another account's or another type's object for this one.
 */
class CachePoisoningIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final Scheduler NOW = delay -> CompletableFuture.completedFuture(null);
  private static final AtomicLong SEEDS = new AtomicLong(1_000);

  private final Upstream jdk = Upstream.jdk(URI.create(sim.baseUrl()), Duration.ofSeconds(5));
  // Fake time for the cache's ages; the clock judging events against Stripe's Date stays real.
  private final long[] now = {1_000_000_000L};

  private EdgePipeline pipeline() {
    return EdgePipeline.builder(jdk)
        .random(new SplittableRandom(SEEDS.incrementAndGet()))
        .scheduler(NOW)
        .ticker(() -> now[0])
        .build();
  }

  private static EdgeRequest get(String key, String path, String query) {
    return new EdgeRequest(
        "GET", path, query, Map.of("Authorization", List.of("Bearer " + key)), new byte[0]);
  }

  private static EdgeRequest post(String key, String path, String form) {
    Map<String, List<String>> headers = new HashMap<>();
    headers.put("Authorization", List.of("Bearer " + key));
    headers.put("Content-Type", List.of("application/x-www-form-urlencoded"));
    return new EdgeRequest("POST", path, "", headers, form.getBytes(StandardCharsets.UTF_8));
  }

  private static EdgeResponse call(EdgePipeline edge, EdgeRequest request) {
    return edge.handle(request).orTimeout(10, TimeUnit.SECONDS).join();
  }

  private static String id(EdgeResponse response) {
    Matcher matcher = ID.matcher(response.bodyText());
    assertThat(matcher.find()).as("an id in %s", response.bodyText()).isTrue();
    return matcher.group(1);
  }

  /** A second well after now: an event there certainly follows a fill made now. */
  private static long secondsFromNow(int seconds) {
    return System.currentTimeMillis() / 1000 + seconds;
  }

  private static ObjectChange change(
      String id, String type, String version, String name, @Nullable String account) {
    byte[] json =
        ("{\"id\":\"" + id + "\",\"object\":\"" + type + "\",\"name\":\"" + name + "\"}")
            .getBytes(StandardCharsets.UTF_8);
    return new ObjectChange(id, secondsFromNow(3), version, json, new byte[0], account);
  }

  @Test
  void aPercentEncodedExpandWarmsNothing() {
    EdgePipeline edge = pipeline();
    String key = "sk_test_cp_warm_encoded";
    String customer = id(call(edge, post(key, "/v1/customers", "name=Encoded")));

    // Stripe decodes %65 to "e": this list expands, and its items are not plain retrieves.
    EdgeResponse list =
        call(
            edge,
            get(key, "/v1/customers", "%65xpand%5B%5D=data.default_source")
                .withHeader("Stripe-Edge-Warm", "objects"));

    assertThat(list.status()).as(list.bodyText()).isEqualTo(200);
    assertThat(list.header("stripe-edge-warmed")).isNull();
    assertThat(call(edge, get(key, "/v1/customers/" + customer, "")).header("cache-status"))
        .doesNotContain("hit");
  }

  @Test
  void anEventsCopyAnswersOnlyForItsOwnLifetimeNotTheResources() {
    EdgePipeline edge = pipeline();
    String key = "sk_test_cp_copy_lifetime";
    String product = id(call(edge, post(key, "/v1/products", "name=Before")));
    String path = "/v1/products/" + product;
    String version = call(edge, get(key, path, "")).header("stripe-version");
    edge.refresh(change(product, "product", version, "FromEvent", null));
    EdgeResponse copy = call(edge, get(key, path, ""));
    assertThat(copy.bodyText()).contains("FromEvent");
    assertThat(copy.header("cache-status")).isEqualTo("stripe-edge; hit");

    // Products are fresh for 5 minutes, an event's copy for 5 seconds.
    now[0] += Duration.ofSeconds(75).toNanos();
    EdgeResponse later = call(edge, get(key, path, ""));

    assertThat(later.header("cache-status")).doesNotContain("hit");
    assertThat(later.bodyText()).contains("Before").doesNotContain("FromEvent");
  }

  @Test
  void anEventAboutAnotherAccountNeverReplacesTheEntry() {
    EdgePipeline edge = pipeline();
    String key = "sk_test_cp_other_account";
    String customer = id(call(edge, post(key, "/v1/customers", "name=Before")));
    String path = "/v1/customers/" + customer;
    String version = call(edge, get(key, path, "")).header("stripe-version");

    edge.refresh(change(customer, "customer", version, "Forged", "acct_someone_else"));

    EdgeResponse read = call(edge, get(key, path, ""));
    assertThat(read.bodyText()).contains("Before").doesNotContain("Forged");
    assertThat(read.header("cache-status")).doesNotContain("hit");
  }

  @Test
  void anEventAboutAnotherTypeOfObjectNeverReplacesTheEntry() {
    EdgePipeline edge = pipeline();
    String key = "sk_test_cp_other_type";
    String customer = id(call(edge, post(key, "/v1/customers", "name=Before")));
    String path = "/v1/customers/" + customer;
    String version = call(edge, get(key, path, "")).header("stripe-version");

    edge.refresh(change(customer, "product", version, "Forged", null));

    EdgeResponse read = call(edge, get(key, path, ""));
    assertThat(read.bodyText()).contains("Before").doesNotContain("Forged");
    assertThat(read.header("cache-status")).doesNotContain("hit");
  }

  @Test
  void anEventOfTheSameAccountAndTypeStillRefreshes() {
    EdgePipeline edge = pipeline();
    String key = "sk_test_cp_same_subject";
    String customer = id(call(edge, post(key, "/v1/customers", "name=Before")));
    String path = "/v1/customers/" + customer;
    String version = call(edge, get(key, path, "")).header("stripe-version");

    edge.refresh(change(customer, "customer", version, "FromEvent", null));

    EdgeResponse read = call(edge, get(key, path, ""));
    assertThat(read.bodyText()).contains("FromEvent");
    assertThat(read.header("cache-status")).isEqualTo("stripe-edge; hit");
  }
}
