package dev.stripeedge.sim.conformance;

import com.stripe.StripeClient;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.util.concurrent.atomic.AtomicInteger;

/** Fresh stripe-java clients for conformance tests: a new key name is a new, empty account. */
final class Clients {

  private static final AtomicInteger COUNT = new AtomicInteger();

  private Clients() {}

  static StripeClient fresh(StripeSimExtension sim, String name) {
    return StripeClient.builder()
        .setApiKey("sk_test_" + name + "_" + COUNT.incrementAndGet())
        .setApiBase(sim.baseUrl())
        .setMaxNetworkRetries(0)
        .build();
  }
}
