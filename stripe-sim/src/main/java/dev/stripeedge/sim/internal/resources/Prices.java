package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Entry;
import dev.stripeedge.sim.internal.engine.ListQuery;
import dev.stripeedge.sim.internal.engine.Result;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import dev.stripeedge.sim.internal.wire.Params;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Prices: create (with {@code product} or {@code product_data}), retrieve, update, list, search.
 *
 * <p>Prices cannot be deleted through the API (archive with {@code active=false}), so there is no
 * delete route. A {@code lookup_key} is unique per account; {@code transfer_lookup_key} moves it.
 */
final class Prices {

  static final Crud CRUD = new Crud("prices", "price");

  private static final List<String> TAX_BEHAVIORS =
      List.of("exclusive", "inclusive", "unspecified");
  private static final List<String> UPDATE =
      List.of(
          "active", "nickname", "metadata", "lookup_key", "transfer_lookup_key", "tax_behavior");
  private static final List<String> CREATE =
      List.of(
          "currency",
          "unit_amount",
          "unit_amount_decimal",
          "product",
          "product_data",
          "recurring",
          "nickname",
          "lookup_key",
          "transfer_lookup_key",
          "active",
          "metadata",
          "tax_behavior",
          "billing_scheme");

  private Prices() {}

  static void register(Router router) {
    CRUD.add(router, "POST", "", Route.Kind.WRITE, CREATE, null, Prices::create);
    CRUD.retrieve(router);
    CRUD.add(router, "POST", "/{id}", Route.Kind.WRITE, UPDATE, "id", Prices::update);
    CRUD.list(
        router,
        List.of("product", "active", "type", "currency"),
        List.of("lookup_keys", "recurring"),
        Prices::listFilter);
    Search.register(
        router, CRUD, List.of("active", "currency", "lookup_key", "product", "type", "nickname"));
  }

  private static Result create(Call call) {
    Params params = call.params();
    String productId;
    Map<String, Object> newProduct = null;
    if (params.has("product") && params.has("product_data")) {
      throw StripeError.invalid(
          null, "You may only specify one of these parameters: product, product_data.", "product");
    }
    if (params.has("product_data")) {
      Params data = params.object("product_data");
      if (data == null) {
        throw StripeError.parameterMissing("product_data");
      }
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
      productId = (String) newProduct.get("id");
    } else {
      productId = params.requiredString("product");
      call.require(Products.CRUD.type(), "product", productId, "product");
    }
    Map<String, Object> price = fromParams(call, params, productId);
    if (newProduct != null) {
      Products.insert(call, newProduct);
    }
    return new Result.Stored(insert(call, price));
  }

  /**
   * Builds (does not store) a price for {@code productId} from {@code params}: the create
   * parameters, or a product's {@code default_price_data} hash.
   */
  static Map<String, Object> fromParams(Call call, Params params, String productId) {
    String currency = Billing.currency(params, "currency");
    Map<String, Object> price = call.newObject("price", "price");
    price.put("active", params.boolOr("active", true));
    String scheme = params.oneOf("billing_scheme", List.of("per_unit"));
    price.put("billing_scheme", scheme == null ? "per_unit" : scheme);
    price.put("currency", currency);
    price.put("custom_unit_amount", null);
    price.put("lookup_key", null);
    price.put("metadata", new LinkedHashMap<>());
    price.put("nickname", params.string("nickname"));
    price.put("product", productId);
    price.put("recurring", recurring(params));
    String tax = params.oneOf("tax_behavior", TAX_BEHAVIORS);
    price.put("tax_behavior", tax == null ? "unspecified" : tax);
    price.put("tiers_mode", null);
    price.put("transform_quantity", null);
    price.put("type", price.get("recurring") == null ? "one_time" : "recurring");
    amounts(params, price);
    if (params.has("lookup_key")) {
      lookupKey(call, params, price);
    }
    Billing.metadata(params, price);
    return price;
  }

  /** Stores a new price and announces it. */
  static Entry insert(Call call, Map<String, Object> price) {
    return CRUD.insert(call, price, attrs(price));
  }

  private static Result update(Call call) {
    return CRUD.update(call, Prices::apply, Prices::attrs);
  }

  private static void apply(Call call, Map<String, Object> price) {
    Params params = call.params();
    if (params.has("active")) {
      price.put("active", params.boolOr("active", true));
    }
    if (params.has("nickname")) {
      price.put("nickname", params.string("nickname"));
    }
    if (params.has("tax_behavior")) {
      price.put("tax_behavior", params.oneOf("tax_behavior", TAX_BEHAVIORS));
    }
    if (params.has("lookup_key")) {
      lookupKey(call, params, price);
    }
    Billing.metadata(params, price);
  }

  private static @Nullable Map<String, Object> recurring(Params params) {
    Params recurring = params.object("recurring");
    if (recurring == null) {
      return null;
    }
    recurring.allowOnly(List.of("interval", "interval_count", "usage_type", "trial_period_days"));
    recurring.require("interval");
    Map<String, Object> shape = new LinkedHashMap<>();
    shape.put("interval", recurring.oneOf("interval", Billing.INTERVALS));
    Long count = recurring.integer("interval_count");
    if (count != null && (count < 1 || count > maxCount(recurring.string("interval")))) {
      throw StripeError.invalid(
          "parameter_invalid_integer",
          "Invalid interval_count: must be between 1 and "
              + maxCount(recurring.string("interval"))
              + " for interval "
              + recurring.string("interval")
              + ".",
          recurring.param("interval_count"));
    }
    shape.put("interval_count", count == null ? 1L : count);
    shape.put("meter", null);
    shape.put("trial_period_days", recurring.integer("trial_period_days"));
    String usage = recurring.oneOf("usage_type", List.of("licensed", "metered"));
    shape.put("usage_type", usage == null ? "licensed" : usage);
    return shape;
  }

  // Stripe caps a billing period at three years.
  private static long maxCount(@Nullable String interval) {
    return switch (interval == null ? "month" : interval) {
      case "day" -> 1095;
      case "week" -> 156;
      case "year" -> 3;
      default -> 36;
    };
  }

  private static void amounts(Params params, Map<String, Object> price) {
    if (params.has("unit_amount") && params.has("unit_amount_decimal")) {
      throw StripeError.invalid(
          null,
          "You may only specify one of these parameters: unit_amount, unit_amount_decimal.",
          params.param("unit_amount"));
    }
    Long amount = params.amount("unit_amount");
    if (amount != null) {
      price.put("unit_amount", amount);
      price.put("unit_amount_decimal", String.valueOf(amount));
      return;
    }
    String decimal = params.string("unit_amount_decimal");
    if (decimal == null) {
      throw StripeError.parameterMissing(params.param("unit_amount"));
    }
    BigDecimal value;
    try {
      value = new BigDecimal(decimal.strip());
    } catch (NumberFormatException e) {
      throw StripeError.invalid(
          "parameter_invalid_decimal",
          "Invalid decimal: " + decimal,
          params.param("unit_amount_decimal"));
    }
    if (value.signum() < 0) {
      throw StripeError.invalid(
          "parameter_invalid_decimal",
          "Invalid decimal: " + decimal + ". This value must be greater than or equal to 0.",
          params.param("unit_amount_decimal"));
    }
    // A fractional amount has no integer unit_amount; Stripe leaves it null.
    BigDecimal plain = value.stripTrailingZeros();
    price.put("unit_amount", plain.scale() <= 0 ? plain.longValueExact() : null);
    price.put("unit_amount_decimal", plain.toPlainString());
  }

  private static void lookupKey(Call call, Params params, Map<String, Object> price) {
    String key = params.string("lookup_key");
    if (key != null) {
      String self = (String) price.get("id");
      Predicate<Entry> holder = e -> key.equals(e.attr("lookup_key")) && !e.id().equals(self);
      if (Billing.any(call, CRUD.type(), "price", holder)) {
        if (!params.boolOr("transfer_lookup_key", false)) {
          throw StripeError.invalid(
              null,
              "A price already uses the lookup key `"
                  + key
                  + "`. Pass transfer_lookup_key=true to move it to this price.",
              params.param("lookup_key"));
        }
        for (Entry other :
            call.collection(CRUD.type())
                .list(
                    new ListQuery(100, null, null, Long.MIN_VALUE, Long.MAX_VALUE), holder, "price")
                .entries()) {
          Map<String, Object> previous = call.read(other);
          Map<String, Object> moved = new LinkedHashMap<>(previous);
          moved.put("lookup_key", null);
          call.save(CRUD.type(), moved, attrs(moved));
          call.emit("price.updated", moved, Map.of("lookup_key", key));
        }
      }
    }
    price.put("lookup_key", key);
  }

  private static Predicate<Entry> listFilter(Call call) {
    List<String> keys = call.params().stringList("lookup_keys");
    Params recurring = call.params().object("recurring");
    String interval = null;
    String usage = null;
    if (recurring != null) {
      recurring.allowOnly(List.of("interval", "usage_type", "meter"));
      interval = recurring.oneOf("interval", Billing.INTERVALS);
      usage = recurring.oneOf("usage_type", List.of("licensed", "metered"));
    }
    String wantedInterval = interval;
    String wantedUsage = usage;
    return entry ->
        (keys.isEmpty() || keys.contains(entry.attr("lookup_key")))
            && (wantedInterval == null || wantedInterval.equals(entry.attr("interval")))
            && (wantedUsage == null || wantedUsage.equals(entry.attr("usage_type")));
  }

  static Map<String, String> attrs(Map<String, Object> price) {
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("product", (String) price.get("product"));
    attrs.put("active", Billing.flag(price.get("active")));
    attrs.put("type", (String) price.get("type"));
    attrs.put("currency", (String) price.get("currency"));
    if (price.get("lookup_key") instanceof String key) {
      attrs.put("lookup_key", key);
    }
    if (price.get("recurring") instanceof Map<?, ?> recurring) {
      attrs.put("interval", String.valueOf(recurring.get("interval")));
      attrs.put("usage_type", String.valueOf(recurring.get("usage_type")));
    }
    return attrs;
  }
}
