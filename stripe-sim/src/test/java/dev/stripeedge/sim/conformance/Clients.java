package dev.stripeedge.sim.conformance;

import com.stripe.StripeClient;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.util.concurrent.atomic.AtomicInteger;

/** stripe-java clients for conformance tests: a new key name is a new, empty account. */
final class Clients {

  private static final AtomicInteger COUNT = new AtomicInteger();

  private Clients() {}

  /** A client on a fresh account, so tests never see each other's objects. */
  static StripeClient fresh(StripeSimExtension sim, String name) {
    return forKey(sim, "sk_test_" + name + "_" + COUNT.incrementAndGet());
  }

  /** A client with {@code key} as it is (tests of keys, or of one account across calls). */
  static StripeClient forKey(StripeSimExtension sim, String key) {
    return StripeClient.builder()
        .setApiKey(key)
        .setApiBase(sim.baseUrl())
        .setMaxNetworkRetries(0)
        .build();
  }
}
