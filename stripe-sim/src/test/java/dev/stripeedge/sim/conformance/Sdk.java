package dev.stripeedge.sim.conformance;

import com.stripe.StripeClient;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.util.UUID;

/** A stripe-java client on a fresh simulated account, so tests never see each other's objects. */
final class Sdk {

  private Sdk() {}

  static StripeClient client(StripeSimExtension sim) {
    return StripeClient.builder()
        .setApiKey("sk_test_" + UUID.randomUUID().toString().replace("-", ""))
        .setApiBase(sim.baseUrl())
        .setMaxNetworkRetries(0)
        .build();
  }
}
