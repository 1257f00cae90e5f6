package dev.stripeedge.cli;

import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.model.Customer;
import com.stripe.net.StripeResponse;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.CustomerUpdateParams;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.server.EdgeServer;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.StripeSim;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stripe-edge demo}: the simulator with Stripe's latency, the sidecar in front of it, and
 * stripe-java talking to the sidecar — showing hits, invalidation on writes and a safe retry.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Shows the edge at work against a simulator.",
      "Starts stripe-sim (Stripe-like latency) and stripe-edge in front of it, then drives",
      "stripe-java through the edge: cache hits, invalidation on a write, a retried 503."
    })
final class DemoCommand implements Callable<Integer> {

  @Option(
      names = "--keep-running",
      description = "Leave the simulator and the edge running afterwards, for curl.")
  boolean keepRunning;

  private final PrintStream out = System.out;

  @Override
  public Integer call() throws Exception {
    StripeSim sim =
        StripeSim.start(SimConfig.defaults().withPort(0).withLimits(SimConfig.Limits.stripe()));
    // A fresh simulator each run: a store file kept from an earlier run would only hold strangers.
    Path dir = Files.createTempDirectory("stripe-edge-demo");
    Path store = dir.resolve("edge.db");
    // Deleted in reverse order of registration: the files, then their directory.
    dir.toFile().deleteOnExit();
    for (String suffix : List.of("", "-wal", "-shm")) {
      dir.resolve("edge.db" + suffix).toFile().deleteOnExit();
    }
    EdgeServer edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("listeners.admin.port", 0)
                .with("upstream", sim.baseUrl())
                .with("store.path", store.toString())
                // The demo narrates each call itself; access lines would interleave with it.
                .with("accessLog.enabled", false));
    try {
      String edgeUrl = "http://127.0.0.1:" + edge.port();
      out.printf(
          "stripe-sim   %s  (Stripe-like latency: reads ~250 ms, writes ~500 ms)%n", sim.baseUrl());
      out.printf("stripe-edge  %s  -> %s%n%n", edgeUrl, sim.baseUrl());
      StripeClient stripe =
          StripeClient.builder()
              .setApiKey("sk_test_demo")
              .setApiBase(edgeUrl)
              .setMaxNetworkRetries(0) // the edge owns retries
              .build();
      run(stripe, sim);
      if (keepRunning) {
        out.printf("%nStill running. Try:%n  curl -s %s/v1/customers -u sk_test_demo:%n", edgeUrl);
        out.println("Ctrl-C to stop.");
        CountDownLatch forever = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown, "demo-shutdown"));
        forever.await();
      }
      return 0;
    } finally {
      edge.close();
      sim.close();
    }
  }

  private void run(StripeClient stripe, StripeSim sim) throws StripeException {
    out.println("1. Create a customer, then read it five times through the edge:");
    Customer customer =
        timed(
            "create",
            () ->
                stripe
                    .v1()
                    .customers()
                    .create(
                        CustomerCreateParams.builder()
                            .setName("Jenny Rosen")
                            .setEmail("jenny@example.com")
                            .build()));
    for (int i = 0; i < 5; i++) {
      timed("retrieve", () -> stripe.v1().customers().retrieve(customer.getId()));
    }

    out.println("\n2. Update it through the edge; the next read is fresh, then cached again:");
    timed(
        "update",
        () ->
            stripe
                .v1()
                .customers()
                .update(
                    customer.getId(),
                    CustomerUpdateParams.builder().setName("Jenny R. Rosen").build()));
    Customer fresh = timed("retrieve", () -> stripe.v1().customers().retrieve(customer.getId()));
    timed("retrieve", () -> stripe.v1().customers().retrieve(customer.getId()));
    out.printf("   name now: %s%n", fresh.getName());

    out.println("\n3. Stripe answers the next create with a 503; the edge retries it safely:");
    sim.reconfigure(
        c ->
            c.withFaults(
                List.of(
                    new SimConfig.FaultRule(
                        SimConfig.FaultKind.ERROR_503, 1.0, "POST /v1/customers", 1))));
    long before = count(sim, "POST /v1/customers 503");
    Customer created =
        timed(
            "create",
            () ->
                stripe
                    .v1()
                    .customers()
                    .create(CustomerCreateParams.builder().setName("Retried").build()));
    out.printf(
        "   the app saw one success (%s); Stripe saw %d failed attempt(s) first, all under the key %s%n",
        created.getId(),
        count(sim, "POST /v1/customers 503") - before,
        header(created.getLastResponse(), "Idempotency-Key"));

    Map<String, Long> counters = sim.counters();
    long reads = counters.getOrDefault("GET /v1/customers/{id} 200", 0L);
    out.printf(
        "%nStripe served %d of the 7 reads; the edge answered the rest from memory.%n", reads);
  }

  /** A call and how it went: status, time, and the edge's Cache-Status. */
  private <T extends com.stripe.model.StripeObject> T timed(String label, StripeCall<T> call)
      throws StripeException {
    long start = System.nanoTime();
    T result = call.run();
    long micros = (System.nanoTime() - start) / 1000;
    StripeResponse response = result.getLastResponse();
    out.printf(
        "   %-8s %8.1f ms   Cache-Status: %s%n",
        label, micros / 1000.0, header(response, "Cache-Status"));
    return result;
  }

  private static String header(StripeResponse response, String name) {
    return response == null ? "-" : response.headers().firstValue(name).orElse("-");
  }

  private static long count(StripeSim sim, String key) {
    return sim.counters().getOrDefault(key, 0L);
  }

  /** A stripe-java call. */
  @FunctionalInterface
  private interface StripeCall<T> {
    T run() throws StripeException;
  }
}
