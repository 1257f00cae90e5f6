package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Entry;
import dev.stripeedge.sim.internal.engine.Result;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import dev.stripeedge.sim.internal.wire.Params;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plans, the legacy form of recurring prices: create (product id or {@code product[name]} hash,
 * custom id), retrieve, update, delete, list ({@code product}, {@code active}).
 */
final class Plans {

  static final Crud CRUD = new Crud("plans", "plan");

  private static final List<String> UPDATE =
      List.of("active", "metadata", "nickname", "product", "trial_period_days");
  private static final List<String> CREATE =
      List.of(
          "id",
          "active",
          "amount",
          "amount_decimal",
          "billing_scheme",
          "currency",
          "interval",
          "interval_count",
          "metadata",
          "nickname",
          "product",
          "trial_period_days",
          "usage_type");

  private Plans() {}

  static void register(Router router) {
    CRUD.add(router, "POST", "", Route.Kind.WRITE, CREATE, null, Plans::create);
    CRUD.retrieve(router);
    CRUD.add(router, "POST", "/{id}", Route.Kind.WRITE, UPDATE, "id", Plans::update);
    CRUD.delete(router);
    CRUD.list(router, List.of("product", "active"));
  }

  private static Result create(Call call) {
    Params params = call.params();
    params.require("currency", "interval", "product");
    String currency = Billing.currency(params, "currency");
    Map<String, Object> plan = call.newObject("plan", "plan");
    String customId = params.string("id");
    if (customId != null) {
      plan.put("id", customId);
    }
    Long amount = params.amount("amount");
    if (amount == null) {
      throw StripeError.parameterMissing("amount");
    }
    long count = params.integer("interval_count") == null ? 1L : params.integer("interval_count");
    if (count < 1) {
      throw StripeError.invalid(
          "parameter_invalid_integer",
          "Invalid interval_count: must be at least 1.",
          "interval_count");
    }
    plan.put("active", params.boolOr("active", true));
    plan.put("amount", amount);
    plan.put("amount_decimal", String.valueOf(amount));
    plan.put("billing_scheme", "per_unit");
    plan.put("currency", currency);
    plan.put("interval", params.oneOf("interval", Billing.INTERVALS));
    plan.put("interval_count", count);
    plan.put("metadata", new LinkedHashMap<>());
    plan.put("meter", null);
    plan.put("nickname", params.string("nickname"));
    plan.put("tiers_mode", null);
    plan.put("transform_usage", null);
    plan.put("trial_period_days", params.integer("trial_period_days"));
    String usage = params.oneOf("usage_type", List.of("licensed", "metered"));
    plan.put("usage_type", usage == null ? "licensed" : usage);
    Billing.metadata(params, plan);
    Map<String, Object> newProduct = null;
    if (params.raw().get("product") instanceof String productId) {
      call.require(Products.CRUD.type(), "product", productId, "product");
      plan.put("product", productId);
    } else {
      Params data = params.object("product");
      data.allowOnly(
          List.of(
              "id",
              "name",
              "active",
              "metadata",
              "statement_descriptor",
              "tax_code",
              "unit_label"));
      newProduct = Products.newProduct(call, data);
      plan.put("product", newProduct.get("id"));
    }
    // Insert the plan first so a duplicate custom id fails before the product exists.
    Entry entry = call.insert(CRUD.type(), plan, attrs(plan));
    if (newProduct != null) {
      Products.insert(call, newProduct);
    }
    call.emit("plan.created", plan);
    return new Result.Stored(entry);
  }

  private static Result update(Call call) {
    return CRUD.update(call, Plans::apply, Plans::attrs);
  }

  private static void apply(Call call, Map<String, Object> plan) {
    Params params = call.params();
    if (params.has("active")) {
      plan.put("active", params.boolOr("active", true));
    }
    if (params.has("nickname")) {
      plan.put("nickname", params.string("nickname"));
    }
    if (params.has("trial_period_days")) {
      plan.put("trial_period_days", params.integer("trial_period_days"));
    }
    if (params.has("product")) {
      String productId = params.requiredString("product");
      call.require(Products.CRUD.type(), "product", productId, "product");
      plan.put("product", productId);
    }
    Billing.metadata(params, plan);
  }

  private static Map<String, String> attrs(Map<String, Object> plan) {
    return Map.of(
        "product", (String) plan.get("product"), "active", Billing.flag(plan.get("active")));
  }
}
