package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Result;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import dev.stripeedge.sim.internal.wire.Params;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Coupons: create (custom ids too), retrieve, update (name, metadata), delete, list.
 *
 * <p>Coupons are redeemed by new subscriptions' {@code discounts} ({@link Discounts}). Simplified:
 * {@code applies_to} and {@code currency_options} are not taken.
 */
final class Coupons {

  static final Crud CRUD = new Crud("coupons", "coupon");

  private static final List<String> CREATE =
      List.of(
          "id",
          "amount_off",
          "currency",
          "duration",
          "duration_in_months",
          "max_redemptions",
          "metadata",
          "name",
          "percent_off",
          "redeem_by");

  private Coupons() {}

  static void register(Router router) {
    CRUD.add(router, "POST", "", Route.Kind.WRITE, CREATE, null, Coupons::create);
    CRUD.retrieve(router);
    CRUD.add(
        router,
        "POST",
        "/{id}",
        Route.Kind.WRITE,
        List.of("name", "metadata"),
        "id",
        Coupons::update);
    CRUD.delete(router);
    CRUD.list(router, List.of());
  }

  private static Result create(Call call) {
    Params params = call.params();
    Double percentOff = params.decimal("percent_off");
    Long amountOff = params.integer("amount_off");
    if ((percentOff == null) == (amountOff == null)) {
      throw StripeError.invalid(
          null,
          "You must specify exactly one of the following parameters: amount_off, percent_off.",
          percentOff == null ? "amount_off" : "percent_off");
    }
    if (percentOff != null && (percentOff <= 0 || percentOff > 100)) {
      throw StripeError.invalid(
          "parameter_invalid_decimal",
          "Invalid percent_off: must be greater than 0 and at most 100.",
          "percent_off");
    }
    String currency = params.string("currency");
    if (amountOff != null) {
      if (amountOff <= 0) {
        throw StripeError.invalid(
            "parameter_invalid_integer", "Invalid positive integer", "amount_off");
      }
      if (currency == null) {
        throw StripeError.parameterMissing("currency");
      }
    }
    String duration =
        Objects.requireNonNullElse(
            params.oneOf("duration", List.of("forever", "once", "repeating")), "once");
    Long months = params.integer("duration_in_months");
    if ("repeating".equals(duration) && months == null) {
      throw StripeError.parameterMissing("duration_in_months");
    }
    Map<String, Object> coupon = call.newObject("coupon", "coupon");
    String customId = params.string("id");
    // Stripe's generated coupon ids are eight letters and digits, no prefix.
    coupon.put(
        "id", customId != null ? customId : call.state().ids().token(8).toUpperCase(Locale.ROOT));
    coupon.put("amount_off", amountOff);
    coupon.put("currency", currency == null ? null : currency.toLowerCase(Locale.ROOT));
    coupon.put("duration", duration);
    coupon.put("duration_in_months", "repeating".equals(duration) ? months : null);
    coupon.put("max_redemptions", params.integer("max_redemptions"));
    coupon.put("metadata", params.applyMetadata("metadata", new LinkedHashMap<>()));
    coupon.put("name", params.string("name"));
    coupon.put("percent_off", percentOff);
    coupon.put("redeem_by", params.integer("redeem_by"));
    coupon.put("times_redeemed", 0L);
    coupon.put("valid", true);
    CRUD.insert(call, coupon, Map.of());
    return new Result.Obj(coupon);
  }

  private static Result update(Call call) {
    return CRUD.update(
        call,
        (c, coupon) -> {
          Crud.copyStrings(c, coupon, java.util.Set.of("name"));
          Billing.metadata(c.params(), coupon);
        },
        coupon -> null);
  }
}
