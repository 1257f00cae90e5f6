package dev.stripeedge.bench.overload;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The offered mix: critical PaymentIntent creates, normal customer retrieves (Zipf over the seeded
 * ids), background lists over four list endpoints. Immutable; draws from the caller's random.
 *
 * @param criticalShare share of critical requests, 0..1
 * @param normalShare share of normal requests, 0..1; background gets the rest
 * @param customerIds the ids retrieves pick from, most popular first
 * @param zipf popularity of {@code customerIds}
 */
public record LoadMix(
    double criticalShare, double normalShare, List<String> customerIds, Zipf zipf) {

  /** The list endpoints background requests spread over, each with {@code limit=10}. */
  public static final List<String> LISTS =
      List.of("/v1/customers", "/v1/products", "/v1/prices", "/v1/events");

  /** The body of every PaymentIntent create. */
  public static final String PAYMENT_INTENT_BODY =
      "amount=1000&currency=usd&payment_method_types[]=card";

  public LoadMix {
    if (criticalShare < 0 || normalShare < 0 || criticalShare + normalShare > 1) {
      throw new IllegalArgumentException("shares must be within 0..1 and sum to at most 1");
    }
    customerIds = List.copyOf(customerIds);
    if (customerIds.isEmpty()) {
      throw new IllegalArgumentException("need at least one customer id");
    }
  }

  /** Issue 5's mix: 6% critical, 34% normal, 60% background, Zipf(1.0) retrieves. */
  public static LoadMix issue5(List<String> customerIds) {
    return new LoadMix(0.06, 0.34, customerIds, new Zipf(customerIds.size(), 1.0));
  }

  /** One request of the mix. */
  public Call next(RandomGenerator random) {
    double u = random.nextDouble();
    if (u < criticalShare) {
      return new Call(Lane.CRITICAL, "POST", "/v1/payment_intents", "", PAYMENT_INTENT_BODY);
    }
    if (u < criticalShare + normalShare) {
      String id = customerIds.get(zipf.sample(random));
      return new Call(Lane.NORMAL, "GET", "/v1/customers/" + id, "", "");
    }
    String list = LISTS.get(random.nextInt(LISTS.size()));
    return new Call(Lane.BACKGROUND, "GET", list, "limit=10", "");
  }

  /**
   * One request to send.
   *
   * @param lane the lane it belongs to
   * @param method HTTP method
   * @param path path without query
   * @param query query without {@code ?}, empty for none
   * @param body form body, empty for none
   */
  public record Call(Lane lane, String method, String path, String query, String body) {}
}
