package dev.stripeedge.core.budget;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.Route;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** {@link LaneRule#stripe(Map)}. Immutable. */
final class StripeLaneRule implements LaneRule {

  private static final Set<String> PAYMENT_RESOURCES =
      Set.of("payment_intents", "charges", "refunds", "checkout.sessions");
  private static final Set<String> PAYMENT_ACTIONS = Set.of("/confirm", "/capture", "/pay");

  private final Map<String, Lane> overrides;

  StripeLaneRule(Map<String, Lane> overrides) {
    this.overrides = Map.copyOf(overrides);
  }

  @Override
  public Lane decide(EdgeRequest request, Route route) {
    Lane byHeader = byPriority(request.header("priority"));
    if (byHeader != null) {
      return byHeader;
    }
    Lane overridden = overrides.get(request.method() + " " + route.template());
    if (overridden != null) {
      return overridden;
    }
    if (request.method().equals("POST")) {
      if (PAYMENT_RESOURCES.contains(route.resource())) {
        return Lane.CRITICAL;
      }
      for (String action : PAYMENT_ACTIONS) {
        if (route.template().endsWith(action)) {
          return Lane.CRITICAL;
        }
      }
      return Lane.NORMAL;
    }
    if (request.method().equals("GET")) {
      boolean list =
          route.kind() == Route.Kind.COLLECTION
              || route.kind() == Route.Kind.SEARCH
              || (route.kind() == Route.Kind.SUB_PATH && route.resource().equals("balance"))
              || (route.kind() == Route.Kind.SUB_PATH && !route.pathIds().isEmpty());
      if (list || route.resource().equals("events")) {
        return Lane.BACKGROUND;
      }
    }
    return Lane.NORMAL;
  }

  /** The lane an RFC 9218 urgency asks for, or null when the header has no say. */
  static @Nullable Lane byPriority(@Nullable String header) {
    if (header == null) {
      return null;
    }
    // Structured-field dictionary: "u=1, i". Only the urgency matters here.
    for (String member : header.split(",")) {
      String item = member.strip();
      if (item.length() == 3 && item.startsWith("u=")) {
        char digit = item.charAt(2);
        if (digit >= '0' && digit <= '1') {
          return Lane.CRITICAL;
        }
        if (digit >= '5' && digit <= '7') {
          return Lane.BACKGROUND;
        }
        return null;
      }
    }
    return null;
  }
}
