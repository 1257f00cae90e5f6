package dev.stripeedge.stripejava;

import static org.assertj.core.api.Assertions.assertThat;

import com.stripe.StripeClient;
import com.stripe.model.Customer;
import com.stripe.net.ApiResource;
import com.stripe.net.RawRequestOptions;
import com.stripe.net.StripeResponse;
import com.stripe.param.CustomerCreateParams;
import dev.stripeedge.core.queue.WorkQueue;
import dev.stripeedge.core.queue.WriteState;
import dev.stripeedge.core.queue.WriteStatus;
import dev.stripeedge.runtime.EdgeRuntime;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * stripe-java in-process through an {@link EdgeRuntime}: the same SQLite tier and budget as the
 * sidecar, against the simulator with Stripe's test-mode limits on.
 */
class RuntimeClientIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.stripe()));

  @TempDir Path dir;

  private EdgeSettings config() {
    return EdgeSettings.defaults()
        .with("upstream", sim.baseUrl())
        .with("store.path", dir.resolve("edge.db").toString());
  }

  private static long simCount(String endpointAndStatus) {
    return sim.sim().counters().getOrDefault(endpointAndStatus, 0L);
  }

  private static String cacheStatus(Customer customer) {
    return customer.getLastResponse().headers().firstValue("cache-status").orElse("<none>");
  }

  @Test
  void aRestartedProcessServesFromTheSqliteTier() throws Exception {
    String key = "sk_test_runtime_sqlite";
    String id;
    try (EdgeRuntime first = EdgeRuntime.start(config(), new SimpleMeterRegistry())) {
      StripeClient stripe = EdgeStripe.client(key, first);
      id = stripe.v1().customers().create(CustomerCreateParams.builder().build()).getId();
      stripe.v1().customers().retrieve(id);
      assertThat(cacheStatus(stripe.v1().customers().retrieve(id))).isEqualTo("stripe-edge; hit");
    }
    long retrieves = simCount("GET /v1/customers/{id} 200");

    try (EdgeRuntime second = EdgeRuntime.start(config(), new SimpleMeterRegistry())) {
      Customer again = EdgeStripe.client(key, second).v1().customers().retrieve(id);

      assertThat(again.getId()).isEqualTo(id);
      assertThat(cacheStatus(again)).contains("hit").contains("sqlite");
    }
    assertThat(simCount("GET /v1/customers/{id} 200")).isEqualTo(retrieves);
  }

  @Test
  void aBurstAboveStripesLimitIsShapedSoStripeRefusesNothing() throws Exception {
    // 60 creates at once from 12 threads: twice the test-mode endpoint limit (25/s) in a burst.
    long refusedBefore = simCount("POST /v1/customers 429");
    try (EdgeRuntime edge = EdgeRuntime.start(config(), new SimpleMeterRegistry());
        ExecutorService threads = Executors.newFixedThreadPool(12)) {
      StripeClient stripe = EdgeStripe.client("sk_test_runtime_budget", edge);
      List<Future<Customer>> created = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        created.add(
            threads.submit(
                () -> stripe.v1().customers().create(CustomerCreateParams.builder().build())));
      }
      for (Future<Customer> customer : created) {
        assertThat(customer.get().getId()).startsWith("cus_");
      }
    }
    assertThat(simCount("POST /v1/customers 429") - refusedBefore).isZero();
  }

  @Test
  void aWriteAskingForAsyncIsQueuedAndAppliedByTheRuntimesWorkers() throws Exception {
    try (EdgeRuntime edge = EdgeRuntime.start(config(), new SimpleMeterRegistry())) {
      StripeClient stripe = EdgeStripe.client("sk_test_runtime_async", edge);

      StripeResponse accepted =
          stripe.rawRequest(
              ApiResource.RequestMethod.POST,
              "/v1/customers",
              "name=Later",
              RawRequestOptions.builder()
                  .setAdditionalHeaders(Map.of("Prefer", "respond-async"))
                  .build());

      assertThat(accepted.code()).isEqualTo(202);
      assertThat(accepted.headers().firstValue("preference-applied")).hasValue("respond-async");
      String id = accepted.headers().firstValue("stripe-edge-write").orElseThrow();
      WorkQueue queue = edge.asyncWrites().queue();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (queue.status(id).orElseThrow().state() != WriteState.SUCCEEDED
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      WriteStatus done = queue.status(id).orElseThrow();
      assertThat(done.state()).isEqualTo(WriteState.SUCCEEDED);
      // Stored sealed; the status resource shows it to the key that sent it.
      assertThat(new String(done.resultBody(), StandardCharsets.UTF_8)).doesNotContain("Later");
      assertThat(edge.asyncWrites().status(id, "Bearer sk_test_runtime_async").bodyText())
          .contains("\"Later\"");
    }
  }
}
