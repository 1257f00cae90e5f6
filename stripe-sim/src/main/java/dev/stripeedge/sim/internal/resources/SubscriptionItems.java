package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Entry;
import dev.stripeedge.sim.internal.engine.ListQuery;
import dev.stripeedge.sim.internal.engine.Result;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import dev.stripeedge.sim.internal.wire.Params;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Subscription items: create, retrieve, update, delete, list (by {@code subscription}, required).
 *
 * <p>Items carry the billing period ({@code current_period_*}) in modern API versions. Every change
 * re-renders the parent subscription's {@code items} list and emits {@code
 * customer.subscription.updated}; {@code proration_behavior} is accepted but nothing is prorated.
 */
final class SubscriptionItems {

  static final Crud CRUD = new Crud("subscription_items", "subscription_item");

  private static final List<String> PRORATION =
      List.of("always_invoice", "create_prorations", "none");
  private static final List<String> UPDATE =
      List.of(
          "price",
          "plan",
          "quantity",
          "metadata",
          "tax_rates",
          "proration_behavior",
          "proration_date",
          "payment_behavior",
          "off_session");
  private static final List<String> CREATE;

  static {
    List<String> create = new ArrayList<>(UPDATE);
    create.add("subscription");
    CREATE = List.copyOf(create);
  }

  private SubscriptionItems() {}

  static void register(Router router) {
    CRUD.add(router, "POST", "", Route.Kind.WRITE, CREATE, null, SubscriptionItems::create);
    CRUD.retrieve(router);
    CRUD.add(router, "POST", "/{id}", Route.Kind.WRITE, UPDATE, "id", SubscriptionItems::update);
    CRUD.add(
        router,
        "DELETE",
        "/{id}",
        Route.Kind.WRITE,
        List.of("proration_behavior", "proration_date", "clear_usage"),
        "id",
        SubscriptionItems::delete);
    CRUD.list(
        router,
        List.of("subscription"),
        List.of(),
        call -> {
          call.params().require("subscription");
          return entry -> true;
        });
  }

  /**
   * Builds (does not store) an item of {@code subscriptionId} from an {@code items[n]} hash or the
   * create parameters, for the period {@code start}–{@code end}.
   */
  static Map<String, Object> build(
      Call call, Params params, String subscriptionId, long start, long end) {
    Map<String, Object> item = call.newObject("si", "subscription_item");
    item.remove("livemode");
    Map<String, Object> price = price(call, params);
    item.put("billing_thresholds", null);
    item.put("current_period_end", end);
    item.put("current_period_start", start);
    item.put("discounts", List.of());
    item.put("metadata", new LinkedHashMap<>());
    item.put("plan", plan(price));
    item.put("price", price);
    item.put("quantity", quantity(params));
    item.put("subscription", subscriptionId);
    item.put("tax_rates", taxRates(call, params, "tax_rates"));
    Billing.metadata(params, item);
    return item;
  }

  /** The items of a subscription, oldest first. */
  static List<Map<String, Object>> of(Call call, String subscriptionId) {
    ListQuery all = new ListQuery(100, null, null, Long.MIN_VALUE, Long.MAX_VALUE);
    List<Map<String, Object>> items = new ArrayList<>();
    for (Entry entry :
        call.collection(CRUD.type())
            .list(all, e -> subscriptionId.equals(e.attr("subscription")), CRUD.objectName())
            .entries()) {
      items.add(call.read(entry));
    }
    Collections.reverse(items);
    return items;
  }

  static void insert(Call call, Map<String, Object> item) {
    call.insert(CRUD.type(), item, Map.of("subscription", (String) item.get("subscription")));
  }

  /** Full tax rate objects for the ids in {@code name[]}. */
  static List<Map<String, Object>> taxRates(Call call, Params params, String name) {
    List<Map<String, Object>> rates = new ArrayList<>();
    for (String id : params.stringList(name)) {
      rates.add(call.load(TaxRates.CRUD.type(), "tax_rate", id, params.param(name)));
    }
    return rates;
  }

  private static Result create(Call call) {
    Params params = call.params();
    String subscriptionId = params.requiredString("subscription");
    Map<String, Object> subscription =
        Subscriptions.loadChangeable(call, subscriptionId, "subscription");
    prorationBehavior(params);
    Map<String, Object> first = of(call, subscriptionId).get(0);
    Map<String, Object> item =
        build(
            call,
            params,
            subscriptionId,
            Billing.number(first.get("current_period_start")),
            Billing.number(first.get("current_period_end")));
    Subscriptions.sameCurrency(subscription, item, "price");
    insert(call, item);
    Subscriptions.refresh(call, subscription);
    return new Result.Obj(item);
  }

  private static Result update(Call call) {
    Map<String, Object> item = call.load(CRUD.type(), CRUD.objectName(), call.path("id"), "id");
    String subscriptionId = (String) item.get("subscription");
    Map<String, Object> subscription = Subscriptions.loadChangeable(call, subscriptionId, "id");
    apply(call, call.params(), item);
    Subscriptions.sameCurrency(subscription, item, "price");
    call.save(CRUD.type(), item);
    Subscriptions.refresh(call, subscription);
    return new Result.Obj(item);
  }

  /** Applies update parameters (also {@code items[n]} hashes with an {@code id}) to an item. */
  static void apply(Call call, Params params, Map<String, Object> item) {
    prorationBehavior(params);
    if (params.has("price") || params.has("plan")) {
      Map<String, Object> price = price(call, params);
      item.put("price", price);
      item.put("plan", plan(price));
    }
    if (params.has("quantity")) {
      item.put("quantity", quantity(params));
    }
    if (params.has("tax_rates")) {
      item.put("tax_rates", taxRates(call, params, "tax_rates"));
    }
    Billing.metadata(params, item);
  }

  private static Result delete(Call call) {
    Map<String, Object> item = call.load(CRUD.type(), CRUD.objectName(), call.path("id"), "id");
    String subscriptionId = (String) item.get("subscription");
    Map<String, Object> subscription = Subscriptions.loadChangeable(call, subscriptionId, "id");
    prorationBehavior(call.params());
    if (of(call, subscriptionId).size() <= 1) {
      throw lastItem();
    }
    call.delete(CRUD.type(), call.path("id"));
    Subscriptions.refresh(call, subscription);
    return new Result.Obj(CRUD.deleted(call.path("id")));
  }

  static StripeError lastItem() {
    return StripeError.invalid(
        null,
        "A subscription must have at least one active plan. To cancel a subscription, please use"
            + " the cancel API endpoint on /v1/subscriptions.",
        null);
  }

  private static void prorationBehavior(Params params) {
    params.oneOf("proration_behavior", PRORATION);
  }

  private static long quantity(Params params) {
    Long quantity = params.integer("quantity");
    if (quantity != null && quantity < 0) {
      throw StripeError.invalid(
          "parameter_invalid_integer",
          "Invalid integer: " + quantity + ". This value must be greater than or equal to 0.",
          params.param("quantity"));
    }
    return quantity == null ? 1L : quantity;
  }

  private static Map<String, Object> price(Call call, Params params) {
    String name = params.has("price") ? "price" : "plan";
    String id = params.string(name);
    if (id == null) {
      throw StripeError.parameterMissing(params.param("price"));
    }
    // A plan id is accepted where a price is expected: Stripe treats plans as prices.
    Entry entry = call.collection(Prices.CRUD.type()).get(id);
    Map<String, Object> price =
        entry != null
            ? call.read(entry)
            : priceFromPlan(call.load(Plans.CRUD.type(), name, id, params.param(name)));
    if (!"recurring".equals(price.get("type"))) {
      throw StripeError.invalid(
          null,
          "The price specified is set to `type=one_time` but this field only accepts prices with"
              + " `type=recurring`.",
          params.param(name));
    }
    return price;
  }

  /** The legacy plan view of a recurring price. */
  static Map<String, Object> plan(Map<String, Object> price) {
    Map<String, Object> recurring = Billing.map(price.get("recurring"));
    Map<String, Object> plan = new LinkedHashMap<>();
    plan.put("id", price.get("id"));
    plan.put("object", "plan");
    plan.put("active", price.get("active"));
    plan.put("amount", price.get("unit_amount"));
    plan.put("amount_decimal", price.get("unit_amount_decimal"));
    plan.put("billing_scheme", price.get("billing_scheme"));
    plan.put("created", price.get("created"));
    plan.put("currency", price.get("currency"));
    plan.put("interval", recurring.get("interval"));
    plan.put("interval_count", recurring.get("interval_count"));
    plan.put("livemode", price.get("livemode"));
    plan.put("metadata", price.get("metadata"));
    plan.put("meter", null);
    plan.put("nickname", price.get("nickname"));
    plan.put("product", price.get("product"));
    plan.put("tiers_mode", null);
    plan.put("transform_usage", null);
    plan.put("trial_period_days", recurring.get("trial_period_days"));
    plan.put("usage_type", recurring.get("usage_type"));
    return plan;
  }

  private static Map<String, Object> priceFromPlan(Map<String, Object> plan) {
    Map<String, Object> recurring = new LinkedHashMap<>();
    recurring.put("interval", plan.get("interval"));
    recurring.put("interval_count", plan.get("interval_count"));
    recurring.put("meter", null);
    recurring.put("trial_period_days", plan.get("trial_period_days"));
    recurring.put("usage_type", plan.get("usage_type"));
    Map<String, Object> price = new LinkedHashMap<>();
    price.put("id", plan.get("id"));
    price.put("object", "price");
    price.put("active", plan.get("active"));
    price.put("billing_scheme", plan.get("billing_scheme"));
    price.put("created", plan.get("created"));
    price.put("currency", plan.get("currency"));
    price.put("custom_unit_amount", null);
    price.put("livemode", plan.get("livemode"));
    price.put("lookup_key", null);
    price.put("metadata", plan.get("metadata"));
    price.put("nickname", plan.get("nickname"));
    price.put("product", plan.get("product"));
    price.put("recurring", recurring);
    price.put("tax_behavior", "unspecified");
    price.put("tiers_mode", null);
    price.put("transform_quantity", null);
    price.put("type", "recurring");
    price.put("unit_amount", plan.get("amount"));
    price.put("unit_amount_decimal", plan.get("amount_decimal"));
    return price;
  }
}
