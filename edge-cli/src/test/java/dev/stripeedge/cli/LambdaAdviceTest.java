package dev.stripeedge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The arithmetic of {@code stripe-edge advise}, against AWS's own pricing examples. */
class LambdaAdviceTest {

  private static Traffic oneRoute(double perSecond, double hit, double answerMs, double stripeMs) {
    return new Traffic(
        List.of(new Traffic.Route("GET /v1/customers/{id}", perSecond, hit, answerMs, stripeMs)),
        null,
        "test");
  }

  private static LambdaAdvice advice(Traffic traffic, int memoryMb, double cpuMs) {
    return new LambdaAdvice(traffic, CloudPrices.DEFAULTS, memoryMb, "x86_64", cpuMs, 1, 2048);
  }

  @Test
  void aSecondAt512MbCostsWhatAwsExampleSays() {
    // AWS's Lambda pricing example: 512 MB, 3 million invocations of 1 s: 1.5 million GB-s,
    // USD 25.00 of duration and 0.60 of requests before the free tier.
    LambdaAdvice advice = advice(oneRoute(1, 0, 1000, 1000), 512, 0);

    assertThat(advice.gbSeconds(512, false)).isEqualTo(0.5);
    assertThat(3 * advice.perMillion(512, false)).isCloseTo(25.00 + 0.60, within(0.01));
  }

  @Test
  void timeWaitingOnStripeIsBilledSoHitsCutTheCost() {
    // 90 % hits at 0.2 ms, misses at Stripe's 300 ms: an answer takes 30.18 ms on average.
    LambdaAdvice advice = advice(oneRoute(10, 0.9, 0.9 * 0.2 + 0.1 * 300, 300), 1024, 5);

    assertThat(advice.billedMillis(1024, false)).isEqualTo(Math.ceil(5 * 1769 / 1024.0 + 300));
    assertThat(advice.billedMillis(1024, true)).isEqualTo(Math.ceil(5 * 1769 / 1024.0 + 30.18));
    assertThat(advice.perMillion(1024, true)).isLessThan(advice.perMillion(1024, false) / 5);
  }

  @Test
  void theCheapestSizeIsTheFloorWhenWaitingDominatesAndGrowsWithTheWorkingSet() {
    LambdaAdvice waiting = advice(oneRoute(10, 0, 300, 300), 1024, 5);
    assertThat(waiting.cheapestMemoryMb()).isEqualTo(LambdaAdvice.FLOOR_MB);

    Traffic big = new Traffic(oneRoute(10, 0, 300, 300).routes(), 200.0 * 1024 * 1024, "test");
    // 256 MB + twice 200 MB, in 64 MB steps.
    assertThat(advice(big, 1024, 5).floorMb()).isEqualTo(704);
  }

  @Test
  void provisionedConcurrencyPaysOffOnlyAboveAboutSixtyPercentUse() {
    LambdaAdvice advice = advice(oneRoute(1, 0, 100, 100), 1024, 0);
    // AWS x86 prices: 0.0000041667 / (0.0000166667 − 0.0000097222) = 0.6.
    assertThat(advice.breakEvenUtilisation()).isCloseTo(0.6, within(0.001));

    LambdaAdvice quiet = advice(oneRoute(2, 0, 100, 100), 1024, 0); // 0.2 busy of 1
    assertThat(quiet.provisioned()).isEqualTo(1);
    assertThat(quiet.monthlyProvisioned()).isGreaterThan(quiet.monthlyOnDemand());
    LambdaAdvice busy = advice(oneRoute(9, 0, 100, 100), 1024, 0); // 0.9 busy of 1
    assertThat(busy.monthlyProvisioned()).isLessThan(busy.monthlyOnDemand());
  }

  @Test
  void theNodeIsTheSmallestWhoseUsableMemoryHoldsTheWorkingSet() {
    Traffic small = new Traffic(oneRoute(1, 0.9, 30, 300).routes(), 100e6, "test");
    // 100 MB × 1.5 = 150 MB ≤ 0.5 GiB × 0.75 = 403 MB.
    assertThat(advice(small, 1024, 5).elastiCacheNode().type()).isEqualTo("cache.t4g.micro");
    Traffic larger = new Traffic(oneRoute(1, 0.9, 30, 300).routes(), 1e9, "test");
    // 1.5 GB: more than a t4g.small's 1.1 GB usable, less than a t4g.medium's 2.5 GB.
    assertThat(advice(larger, 1024, 5).elastiCacheNode().type()).isEqualTo("cache.t4g.medium");
  }

  @Test
  void dynamoDbCostsReadAndWriteUnitsOnDemand() {
    // 10 misses/s of 2 KB: 10 reads of 1 RRU and 10 writes of 2 WRU per second for 30 days.
    LambdaAdvice advice = advice(oneRoute(100, 0.9, 30, 300), 1024, 5);
    double expected = 2_592_000 * (10 * 1 * 0.125e-6 + 10 * 2 * 0.625e-6);
    assertThat(advice.monthlyDynamoDb()).isCloseTo(expected, within(1e-6));
  }

  @Test
  void pricesAreOverriddenKeyByKeyAndAWrongKeyIsNamed(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("prices.properties");
    Files.writeString(
        file,
        "lambda.request=0.0000004\nelasticache.cache.tiny=0.1,0.001\n",
        StandardCharsets.UTF_8);
    CloudPrices prices = CloudPrices.overriddenBy(file);
    assertThat(prices.lambdaRequest()).isEqualTo(0.0000004);
    assertThat(prices.nodes().get(0).type()).isEqualTo("cache.tiny");
    assertThat(prices.lambda().get("x86_64").gbSecond()).isEqualTo(0.0000166667);

    Files.writeString(file, "lambda.requests=1\n", StandardCharsets.UTF_8);
    assertThatThrownBy(() -> CloudPrices.overriddenBy(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lambda.requests is not a price");
  }

  @Test
  void metricsAreReadBackFromPrometheusText() {
    String text =
        """
        # HELP stripe_edge_requests_seconds Requests answered by the edge
        stripe_edge_requests_seconds_count{cache="hit",method="GET",route="/v1/customers/{id}",status="200"} 9.0
        stripe_edge_requests_seconds_sum{cache="hit",method="GET",route="/v1/customers/{id}",status="200"} 0.0018
        stripe_edge_requests_seconds_count{cache="miss",method="GET",route="/v1/customers/{id}",status="200"} 1.0
        stripe_edge_requests_seconds_sum{cache="miss",method="GET",route="/v1/customers/{id}",status="200"} 0.3
        stripe_edge_upstream_seconds_count{outcome="success",route="/v1/customers/{id}"} 1.0
        stripe_edge_upstream_seconds_sum{outcome="success",route="/v1/customers/{id}"} 0.29
        stripe_edge_sizing_bytes{hit_ratio="0.95",tier="memory"} 123456.0
        stripe_edge_sizing_bytes{hit_ratio="0.99",tier="memory"} +Inf
        process_uptime_seconds 20.0
        """;
    Traffic traffic = Traffic.fromMetrics(PrometheusText.parse(text), null, "capture");

    assertThat(traffic.routes()).hasSize(1);
    Traffic.Route route = traffic.routes().get(0);
    assertThat(route.route()).isEqualTo("GET /v1/customers/{id}");
    assertThat(route.perSecond()).isEqualTo(0.5);
    assertThat(route.hitRatio()).isEqualTo(0.9);
    assertThat(route.answerMillis()).isCloseTo(30.18, within(1e-9));
    assertThat(route.upstreamMillis()).isCloseTo(290, within(1e-9));
    assertThat(traffic.workingSetBytes95()).isEqualTo(123456.0);
  }
}
