package dev.stripeedge.sim.internal.engine;

import dev.stripeedge.sim.internal.wire.Params;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Stripe's list parameters: {@code limit} 1–100 (default 10), one cursor, a {@code created} range.
 *
 * @param limit page size
 * @param startingAfter return objects older than this id
 * @param endingBefore return objects newer than this id
 * @param createdGte inclusive lower bound on {@code created}, seconds
 * @param createdLte inclusive upper bound on {@code created}, seconds
 */
public record ListQuery(
    int limit,
    @Nullable String startingAfter,
    @Nullable String endingBefore,
    long createdGte,
    long createdLte) {

  /** The parameters every list endpoint accepts. */
  public static final List<String> PARAMS =
      List.of("limit", "starting_after", "ending_before", "created", "expand");

  public static ListQuery from(Params params) {
    Long limit = params.integer("limit");
    if (limit != null && (limit < 1 || limit > 100)) {
      throw StripeError.invalid(
          "parameter_invalid_integer", "Invalid limit: must be between 1 and 100", "limit");
    }
    String after = params.string("starting_after");
    String before = params.string("ending_before");
    if (after != null && before != null) {
      throw StripeError.invalid(
          null,
          "You may only specify one of these parameters: starting_after, ending_before.",
          "ending_before");
    }
    long gte = Long.MIN_VALUE;
    long lte = Long.MAX_VALUE;
    if (params.has("created")) {
      Params range =
          params.raw().get("created") instanceof String ? null : params.object("created");
      if (range == null) {
        long exact = params.integer("created");
        gte = exact;
        lte = exact;
      } else {
        range.allowOnly(List.of("gt", "gte", "lt", "lte"));
        if (range.integer("gt") != null) {
          gte = Math.max(gte, range.integer("gt") + 1);
        }
        if (range.integer("gte") != null) {
          gte = Math.max(gte, range.integer("gte"));
        }
        if (range.integer("lt") != null) {
          lte = Math.min(lte, range.integer("lt") - 1);
        }
        if (range.integer("lte") != null) {
          lte = Math.min(lte, range.integer("lte"));
        }
      }
    }
    return new ListQuery(limit == null ? 10 : limit.intValue(), after, before, gte, lte);
  }

  boolean inRange(long created) {
    return created >= createdGte && created <= createdLte;
  }
}
