package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Entry;
import dev.stripeedge.sim.internal.engine.Result;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Events: retrieve and list with {@code type} (with {@code *} wildcards), {@code types[]} (up to
 * 20) and {@code delivery_success}. Kept 30 days of simulated time.
 */
final class Events {

  static final Crud CRUD = new Crud("events", "event");

  private Events() {}

  static void register(Router router) {
    router.add(
        new Route(
            "GET",
            CRUD.url() + "/{id}",
            Route.Kind.READ,
            Route.params(List.of()),
            null,
            call -> {
              call.state().events().prune(call.account());
              return new Result.Stored(call.require("events", "event", call.path("id"), "id"));
            }));
    CRUD.list(
        router,
        List.of(),
        List.of("type", "types", "delivery_success"),
        call -> {
          String type = call.params().string("type");
          List<String> types = call.params().stringList("types");
          if (type != null && !types.isEmpty()) {
            throw StripeError.invalid(
                null, "You may only specify one of these parameters: type, types.", "types");
          }
          if (types.size() > 20) {
            throw StripeError.invalid(
                null, "You may pass at most 20 event types in `types`.", "types");
          }
          Boolean delivered = call.params().bool("delivery_success");
          call.state().events().prune(call.account());
          List<Predicate<String>> wanted = new ArrayList<>();
          if (type != null) {
            wanted.add(matcher(type));
          }
          types.forEach(t -> wanted.add(matcher(t)));
          return (Entry entry) -> {
            String eventType = entry.attr("type");
            if (!wanted.isEmpty() && wanted.stream().noneMatch(w -> w.test(eventType))) {
              return false;
            }
            if (delivered != null) {
              boolean undelivered = entry.attr("undelivered") != null;
              return delivered != undelivered;
            }
            return true;
          };
        });
  }

  /** {@code charge.*} matches every charge event; anything else matches exactly. */
  private static Predicate<String> matcher(String pattern) {
    if (pattern.endsWith(".*")) {
      String prefix = pattern.substring(0, pattern.length() - 1);
      return type -> type != null && type.startsWith(prefix);
    }
    if (pattern.equals("*")) {
      return type -> true;
    }
    return pattern::equals;
  }
}
