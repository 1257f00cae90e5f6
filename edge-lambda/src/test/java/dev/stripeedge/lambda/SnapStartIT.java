package dev.stripeedge.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.runtime.EdgeRuntime;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import dev.stripeedge.testkit.RedisServerExtension;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.crac.Core;
import org.crac.Resource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SnapStart: environments restored from one snapshot start with the same memory. Two edges given
 * the same random state stand for two restores of one snapshot; the registered CRaC resource's
 * hooks are driven as the runtime drives them (before the checkpoint, after each restore), with the
 * budget shared through a real Redis and the simulator as Stripe.
 */
class SnapStartIT {

  private static final String API_KEY = "sk_test_lambda_snapstart";
  private static final long SNAPSHOT_SEED = 20261207L;

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  @TempDir Path dir;

  private final List<EdgeLambda> edges = new ArrayList<>();

  @AfterEach
  void close() {
    edges.forEach(EdgeLambda::close);
  }

  /** An environment holding the snapshot's random state. */
  private EdgeLambda restoredFromTheSnapshot(String name) {
    EdgeLambda edge =
        EdgeLambda.of(
            LambdaSettings.load(
                Map.of(
                    "STRIPE_EDGE_UPSTREAM", sim.baseUrl(),
                    "STRIPE_EDGE_BUDGET_REDIS_URIS", redis.uri(),
                    "STRIPE_EDGE_CACHE_KEY_SECRET",
                        Base64.getEncoder()
                            .encodeToString(
                                "snapstart-test-cache-key-secret!"
                                    .getBytes(StandardCharsets.UTF_8))),
                Map.of("store.path", dir.resolve(name + ".db").toString())),
            API_KEY,
            SNAPSHOT_SEED);
    edges.add(edge);
    return edge;
  }

  /** The idempotency key the edge generates for a create sent without one (Stripe echoes it). */
  private static String generatedKey(EdgeLambda edge) throws Exception {
    EdgeRequest create =
        new EdgeRequest(
            "POST",
            "/v1/customers",
            "",
            Map.of(
                "authorization", List.of("Bearer " + API_KEY),
                "content-type", List.of("application/x-www-form-urlencoded")),
            "name=Snap".getBytes(StandardCharsets.UTF_8));
    var response = edge.runtime().requestPipeline().handle(create).get();
    assertThat(response.status()).isEqualTo(200);
    String key = response.header("idempotency-key");
    assertThat(key).isNotBlank();
    return key;
  }

  private static double grantedLeases(MeterRegistry meters) {
    Counter granted =
        meters.find("stripe.edge.budget.shared.leases").tag("outcome", "granted").counter();
    return granted == null ? 0 : granted.count();
  }

  @Test
  void twoRestoresOfOneSnapshotDrawDifferentKeysAndLeaseTheirOwnTokens() throws Exception {
    EdgeLambda first = restoredFromTheSnapshot("first");
    EdgeLambda second = restoredFromTheSnapshot("second");
    // The hazard: the same state draws the same "random" keys.
    assertThat(generatedKey(first)).isEqualTo(generatedKey(second));
    EdgeRuntime beforeSnapshot = first.runtime();
    MeterRegistry metersBefore = first.meters();
    assertThat(grantedLeases(metersBefore)).isPositive();
    double leasedBefore = grantedLeases(metersBefore);

    Resource firstHooks = first.snapStartResource();
    Resource secondHooks = second.snapStartResource();
    firstHooks.beforeCheckpoint(Core.getGlobalContext());
    secondHooks.beforeCheckpoint(Core.getGlobalContext());
    firstHooks.afterRestore(Core.getGlobalContext());
    secondHooks.afterRestore(Core.getGlobalContext());

    String a = generatedKey(first);
    String b = generatedKey(second);
    assertThat(a).isNotEqualTo(b);
    // A new runtime each, on fresh connections and clocks; each leased its own tokens from Redis,
    // and the snapshot's runtime (and the tokens it held) took no part.
    assertThat(first.runtime()).isNotSameAs(beforeSnapshot);
    assertThat(first.generation()).isEqualTo(2);
    assertThat(grantedLeases(first.meters())).isPositive();
    assertThat(grantedLeases(second.meters())).isPositive();
    assertThat(first.meters()).isNotSameAs(metersBefore);
    assertThat(grantedLeases(metersBefore)).isEqualTo(leasedBefore);
  }

  @Test
  void aClientMadeBeforeTheSnapshotSendsThroughTheRestoredRuntime() throws Exception {
    EdgeLambda edge = restoredFromTheSnapshot("client");
    var stripe = edge.client();
    String id =
        stripe
            .v1()
            .customers()
            .create(com.stripe.param.CustomerCreateParams.builder().setName("Before").build())
            .getId();

    edge.snapStartResource().beforeCheckpoint(Core.getGlobalContext());
    edge.snapStartResource().afterRestore(Core.getGlobalContext());

    // The memory tier went with the snapshot's runtime: the first read after restore is a miss.
    var again = stripe.v1().customers().retrieve(id);
    assertThat(again.getName()).isEqualTo("Before");
    assertThat(again.getLastResponse().headers().firstValue("cache-status").orElse(""))
        .doesNotContain("hit");
    assertThat(edge.generation()).isEqualTo(2);
  }
}
