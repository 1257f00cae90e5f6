package dev.stripeedge.core.budget;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.Route;
import java.util.Map;

/**
 * Chooses the {@link Lane} of a request: a pure function, unit-tested as a table.
 *
 * <p>Thread-safe, never blocks, never throws.
 */
@FunctionalInterface
public interface LaneRule {

  /** The lane of {@code request}, whose path classifies as {@code route}. */
  Lane decide(EdgeRequest request, Route route);

  /** {@link #stripe(Map)} without overrides. */
  static LaneRule stripe() {
    return stripe(Map.of());
  }

  /**
   * Stripe-aware defaults, in this order:
   *
   * <ol>
   *   <li>the RFC 9218 {@code Priority} request header: urgency {@code u=0} or {@code u=1} is
   *       critical, {@code u=5} to {@code u=7} background; {@code u=2..4} (3 is the RFC's default,
   *       which says nothing) and a missing or malformed header fall through;
   *   <li>{@code overrides}, keyed by method and route template ({@code "POST /v1/customers"});
   *   <li>route defaults: every POST under {@code payment_intents}, {@code charges}, {@code
   *       refunds}, {@code checkout.sessions}, and every POST ending in {@code /confirm}, {@code
   *       /capture} or {@code /pay} is critical; GETs of lists, searches and {@code /v1/events} are
   *       background; the rest is normal.
   * </ol>
   *
   * @param overrides lanes by {@code "METHOD /template"}; copied
   */
  static LaneRule stripe(Map<String, Lane> overrides) {
    return new StripeLaneRule(overrides);
  }
}
