package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Entry;
import dev.stripeedge.sim.internal.engine.Lists;
import dev.stripeedge.sim.internal.engine.Result;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import dev.stripeedge.sim.internal.wire.Params;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Subscriptions: create (with a first invoice), retrieve, update, cancel ({@code DELETE}), list,
 * search.
 *
 * <p>The customer is assumed able to pay, so the first invoice is paid at once and the subscription
 * starts {@code active} (or {@code trialing}); {@code payment_behavior=default_incomplete} leaves
 * it {@code incomplete} with an open invoice until that invoice is paid.
 */
final class Subscriptions {

  // Over 400 lines: one Stripe resource's whole surface (routes, validation, billing cycle,
  // invoices, events).

  static final Crud CRUD = new Crud("subscriptions", "subscription");

  private static final List<String> STATUSES =
      List.of(
          "active",
          "all",
          "canceled",
          "ended",
          "incomplete",
          "incomplete_expired",
          "past_due",
          "paused",
          "trialing",
          "unpaid");
  private static final List<String> PAYMENT_BEHAVIORS =
      List.of(
          "allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete");
  private static final List<String> ITEM_FIELDS =
      List.of("price", "plan", "quantity", "metadata", "tax_rates");
  private static final List<String> UPDATE =
      List.of(
          "items",
          "metadata",
          "cancel_at_period_end",
          "proration_behavior",
          "proration_date",
          "payment_behavior",
          "default_payment_method",
          "default_tax_rates",
          "description",
          "collection_method",
          "days_until_due",
          "off_session");
  private static final List<String> CREATE;

  static {
    List<String> create = new ArrayList<>(UPDATE);
    create.remove("proration_date");
    create.addAll(List.of("customer", "trial_period_days", "currency", "discounts"));
    CREATE = List.copyOf(create);
  }

  private Subscriptions() {}

  static void register(Router router) {
    CRUD.add(router, "POST", "", Route.Kind.PAYMENT, CREATE, null, Subscriptions::create);
    CRUD.retrieve(router);
    CRUD.add(router, "POST", "/{id}", Route.Kind.PAYMENT, UPDATE, "id", Subscriptions::update);
    CRUD.add(
        router,
        "DELETE",
        "/{id}",
        Route.Kind.WRITE,
        List.of("invoice_now", "prorate", "cancellation_details"),
        "id",
        Subscriptions::cancel);
    CRUD.list(router, List.of("customer"), List.of("status", "price"), Subscriptions::listFilter);
    Search.register(router, CRUD, List.of("status", "customer"));
  }

  private static Result create(Call call) {
    Params params = call.params();
    String customerId = params.requiredString("customer");
    Map<String, Object> customer = call.load("customers", "customer", customerId, "customer");
    List<Params> itemParams = params.objectList("items");
    if (itemParams.isEmpty()) {
      throw StripeError.parameterMissing("items");
    }
    String paymentBehavior = params.oneOf("payment_behavior", PAYMENT_BEHAVIORS);
    params.oneOf("proration_behavior", List.of("always_invoice", "create_prorations", "none"));
    long now = call.now();
    Map<String, Object> subscription = call.newObject("sub", "subscription");
    String id = (String) subscription.get("id");
    Long trialDays = params.integer("trial_period_days");
    boolean trial = trialDays != null && trialDays > 0;
    long trialEnd = trial ? now + trialDays * 86_400L : 0L;
    List<Map<String, Object>> items = new ArrayList<>();
    for (Params item : itemParams) {
      item.allowOnly(ITEM_FIELDS);
      // The period end depends on the first price's interval; fill it in once the price is known.
      Map<String, Object> built = SubscriptionItems.build(call, item, id, now, now);
      Map<String, Object> recurring = Billing.map(Billing.map(built.get("price")).get("recurring"));
      built.put(
          "current_period_end",
          trial
              ? trialEnd
              : Billing.periodEnd(
                  now,
                  (String) recurring.get("interval"),
                  Billing.number(recurring.get("interval_count"))));
      items.add(built);
    }
    String currency = (String) Billing.map(items.get(0).get("price")).get("currency");
    subscription.put("currency", currency);
    for (int i = 0; i < items.size(); i++) {
      sameCurrency(subscription, items.get(i), "items[" + i + "][price]");
    }
    skeleton(subscription, customerId, now);
    apply(call, params, subscription);
    List<Map<String, Object>> discounts = Discounts.forSubscription(call, params, customerId, id);
    subscription.put("discounts", discounts.stream().map(d -> d.get("id")).toList());
    if (trial) {
      subscription.put("trial_start", now);
      subscription.put("trial_end", trialEnd);
      subscription.put("billing_cycle_anchor", trialEnd);
    }
    boolean sendInvoice = "send_invoice".equals(subscription.get("collection_method"));
    boolean incomplete = "default_incomplete".equals(paymentBehavior) && !trial;
    subscription.put("status", trial ? "trialing" : incomplete ? "incomplete" : "active");
    Map<String, Object> invoice =
        Invoices.forSubscription(call, customer, subscription, items, trial);
    Discounts.applyToInvoice(call, invoice, discounts);
    Discounts.redeem(call, discounts);
    subscription.put("latest_invoice", invoice.get("id"));
    subscription.put("items", itemsList(id, items));
    for (Map<String, Object> item : items) {
      SubscriptionItems.insert(call, item);
    }
    Entry entry = call.insert(CRUD.type(), subscription, attrs(subscription));
    call.emit("customer.subscription.created", subscription);
    Invoices.insert(call, invoice);
    Invoices.finalizeInvoice(call, invoice);
    if (!incomplete && !sendInvoice && !"paid".equals(invoice.get("status"))) {
      Invoices.markPaid(call, invoice);
    }
    Invoices.save(call, invoice);
    if (incomplete && "paid".equals(invoice.get("status"))) {
      // A zero-total first invoice pays itself, so nothing keeps the subscription incomplete.
      activate(call, id);
    }
    return new Result.Stored(entry);
  }

  private static Result update(Call call) {
    Map<String, Object> subscription = loadChangeable(call, call.path("id"), "id");
    Params params = call.params();
    params.oneOf("payment_behavior", PAYMENT_BEHAVIORS);
    params.oneOf("proration_behavior", List.of("always_invoice", "create_prorations", "none"));
    Map<String, Object> before = new LinkedHashMap<>(subscription);
    List<Map<String, Object>> current = SubscriptionItems.of(call, call.path("id"));
    List<String> deletions = new ArrayList<>();
    for (Params item : params.objectList("items")) {
      updateItem(call, subscription, current, item, deletions);
    }
    // Deletions go last, so swapping one item for another in a single request is allowed.
    for (String itemId : deletions) {
      if (SubscriptionItems.of(call, call.path("id")).size() <= 1) {
        throw SubscriptionItems.lastItem();
      }
      call.delete(SubscriptionItems.CRUD.type(), itemId);
    }
    apply(call, params, subscription);
    if (params.has("cancel_at_period_end")) {
      boolean atEnd = params.boolOr("cancel_at_period_end", false);
      subscription.put("cancel_at_period_end", atEnd);
      subscription.put(
          "cancel_at", atEnd ? Billing.number(current.get(0).get("current_period_end")) : null);
      subscription.put("canceled_at", atEnd ? call.now() : null);
      Map<String, Object> details = cancellationDetails();
      details.put("reason", atEnd ? "cancellation_requested" : null);
      subscription.put("cancellation_details", details);
    }
    return new Result.Obj(save(call, subscription, before));
  }

  private static void updateItem(
      Call call,
      Map<String, Object> subscription,
      List<Map<String, Object>> current,
      Params item,
      List<String> deletions) {
    item.allowOnly(List.of("id", "price", "plan", "quantity", "metadata", "tax_rates", "deleted"));
    String itemId = item.string("id");
    if (itemId == null) {
      Map<String, Object> first = current.get(0);
      Map<String, Object> added =
          SubscriptionItems.build(
              call,
              item,
              (String) subscription.get("id"),
              Billing.number(first.get("current_period_start")),
              Billing.number(first.get("current_period_end")));
      sameCurrency(subscription, added, item.param("price"));
      SubscriptionItems.insert(call, added);
      return;
    }
    Map<String, Object> existing =
        call.load(SubscriptionItems.CRUD.type(), "subscription_item", itemId, item.param("id"));
    if (!subscription.get("id").equals(existing.get("subscription"))) {
      throw StripeError.invalid(
          null,
          "Subscription item " + itemId + " does not belong to this subscription.",
          item.param("id"));
    }
    if (item.boolOr("deleted", false)) {
      deletions.add(itemId);
      return;
    }
    SubscriptionItems.apply(call, item, existing);
    sameCurrency(subscription, existing, item.param("price"));
    call.save(SubscriptionItems.CRUD.type(), existing);
  }

  private static Result cancel(Call call) {
    Map<String, Object> subscription =
        call.load(CRUD.type(), "subscription", call.path("id"), "id");
    if ("canceled".equals(subscription.get("status"))) {
      throw StripeError.invalid(
          null,
          "A canceled subscription can only update its cancellation_details and metadata.",
          null);
    }
    Params params = call.params();
    params.bool("invoice_now");
    params.bool("prorate");
    Map<String, Object> details = cancellationDetails();
    details.put("reason", "cancellation_requested");
    Params given = params.object("cancellation_details");
    if (given != null) {
      given.allowOnly(List.of("comment", "feedback"));
      details.put("comment", given.string("comment"));
      details.put(
          "feedback",
          given.oneOf(
              "feedback",
              List.of(
                  "customer_service",
                  "low_quality",
                  "missing_features",
                  "other",
                  "switched_service",
                  "too_complex",
                  "too_expensive",
                  "unused")));
    }
    markCanceled(call, subscription, details);
    return new Result.Obj(subscription);
  }

  /**
   * Cancels every subscription of {@code customerId} that is not canceled yet, as deleting the
   * customer does at Stripe.
   */
  static void cancelAllOf(Call call, String customerId) {
    for (Entry entry :
        call.collection(CRUD.type())
            .matching(
                e ->
                    customerId.equals(e.attr("customer"))
                        && !"canceled".equals(e.attr("status")))) {
      Map<String, Object> details = cancellationDetails();
      details.put("reason", "cancellation_requested");
      markCanceled(call, call.read(entry), details);
    }
  }

  private static void markCanceled(
      Call call, Map<String, Object> subscription, Map<String, Object> details) {
    subscription.put("status", "canceled");
    subscription.put("canceled_at", call.now());
    subscription.put("ended_at", call.now());
    subscription.put("cancellation_details", details);
    call.save(CRUD.type(), subscription, attrs(subscription));
    call.emit("customer.subscription.deleted", subscription);
  }

  /** The subscription, refusing changes once it is canceled. */
  static Map<String, Object> loadChangeable(Call call, String id, String param) {
    Map<String, Object> subscription = call.load(CRUD.type(), "subscription", id, param);
    if ("canceled".equals(subscription.get("status"))) {
      throw StripeError.invalid(
          null,
          "A canceled subscription can only update its cancellation_details and metadata.",
          null);
    }
    return subscription;
  }

  /** Refuses an item whose price is in another currency than the subscription. */
  static void sameCurrency(
      Map<String, Object> subscription, Map<String, Object> item, String param) {
    Object currency = Billing.map(item.get("price")).get("currency");
    if (!currency.equals(subscription.get("currency"))) {
      throw StripeError.invalid(
          null,
          "Currency "
              + currency
              + " does not match the subscription's currency "
              + subscription.get("currency")
              + ". All prices on a subscription must share one currency.",
          param);
    }
  }

  /** Re-renders the items list after an item changed, stores and announces the subscription. */
  static void refresh(Call call, Map<String, Object> subscription) {
    save(call, subscription, new LinkedHashMap<>(subscription));
  }

  /** Moves an incomplete subscription to active once its first invoice is paid. */
  static void activate(Call call, String id) {
    Entry entry = call.collection(CRUD.type()).get(id);
    if (entry == null) {
      return;
    }
    Map<String, Object> subscription = call.read(entry);
    if ("incomplete".equals(subscription.get("status"))) {
      Map<String, Object> before = new LinkedHashMap<>(subscription);
      subscription.put("status", "active");
      save(call, subscription, before);
    }
  }

  private static Map<String, Object> save(
      Call call, Map<String, Object> subscription, Map<String, Object> before) {
    String id = (String) subscription.get("id");
    subscription.put("items", itemsList(id, SubscriptionItems.of(call, id)));
    Map<String, Object> previous = Crud.previous(before, subscription);
    if (!previous.isEmpty()) {
      call.save(CRUD.type(), subscription, attrs(subscription));
      call.emit("customer.subscription.updated", subscription, previous);
    }
    return subscription;
  }

  private static void skeleton(Map<String, Object> subscription, String customerId, long now) {
    subscription.put("application", null);
    subscription.put("application_fee_percent", null);
    Map<String, Object> automaticTax = new LinkedHashMap<>();
    automaticTax.put("disabled_reason", null);
    automaticTax.put("enabled", false);
    automaticTax.put("liability", null);
    subscription.put("automatic_tax", automaticTax);
    subscription.put("billing_cycle_anchor", now);
    subscription.put("billing_cycle_anchor_config", null);
    // Flexible billing is the default since 2025-06-30.basil; its one option keeps its default.
    Map<String, Object> billingMode = new LinkedHashMap<>();
    billingMode.put("flexible", Map.of("proration_discounts", "included"));
    billingMode.put("type", "flexible");
    billingMode.put("updated_at", null);
    subscription.put("billing_mode", billingMode);
    subscription.put("billing_schedules", List.of());
    subscription.put("billing_thresholds", null);
    subscription.put("cancel_at", null);
    subscription.put("cancel_at_period_end", false);
    subscription.put("canceled_at", null);
    subscription.put("cancellation_details", cancellationDetails());
    subscription.put("collection_method", "charge_automatically");
    subscription.put("customer", customerId);
    subscription.put("customer_account", null);
    subscription.put("days_until_due", null);
    subscription.put("default_payment_method", null);
    subscription.put("default_source", null);
    subscription.put("default_tax_rates", List.of());
    subscription.put("description", null);
    subscription.put("discounts", List.of());
    subscription.put("ended_at", null);
    Map<String, Object> invoiceSettings = new LinkedHashMap<>();
    invoiceSettings.put("account_tax_ids", null);
    invoiceSettings.put("custom_fields", null);
    invoiceSettings.put("description", null);
    invoiceSettings.put("footer", null);
    invoiceSettings.put("issuer", Map.of("type", "self"));
    subscription.put("invoice_settings", invoiceSettings);
    subscription.put("items", null);
    subscription.put("latest_invoice", null);
    subscription.put("metadata", new LinkedHashMap<>());
    subscription.put("next_pending_invoice_item_invoice", null);
    subscription.put("on_behalf_of", null);
    subscription.put("pause_collection", null);
    Map<String, Object> paymentSettings = new LinkedHashMap<>();
    paymentSettings.put("payment_method_options", null);
    paymentSettings.put("payment_method_types", null);
    paymentSettings.put("save_default_payment_method", "off");
    subscription.put("payment_settings", paymentSettings);
    subscription.put("pending_invoice_item_interval", null);
    subscription.put("pending_setup_intent", null);
    subscription.put("pending_update", null);
    subscription.put("schedule", null);
    subscription.put("start_date", now);
    subscription.put("status", "incomplete");
    subscription.put("test_clock", null);
    subscription.put("transfer_data", null);
    subscription.put("trial_end", null);
    subscription.put(
        "trial_settings",
        Map.of("end_behavior", Map.of("missing_payment_method", "create_invoice")));
    subscription.put("trial_start", null);
  }

  private static void apply(Call call, Params params, Map<String, Object> subscription) {
    Crud.copyStrings(call, subscription, Set.of("description"));
    if (params.has("collection_method")) {
      String method =
          params.oneOf("collection_method", List.of("charge_automatically", "send_invoice"));
      subscription.put("collection_method", method == null ? "charge_automatically" : method);
    }
    if (params.has("days_until_due")) {
      subscription.put("days_until_due", params.integer("days_until_due"));
    }
    if ("send_invoice".equals(subscription.get("collection_method"))
        && subscription.get("days_until_due") == null) {
      throw StripeError.parameterMissing("days_until_due");
    }
    if (params.has("default_payment_method")) {
      String pm = params.string("default_payment_method");
      if (pm != null) {
        call.require("payment_methods", "PaymentMethod", pm, "default_payment_method");
      }
      subscription.put("default_payment_method", pm);
    }
    if (params.has("default_tax_rates")) {
      subscription.put(
          "default_tax_rates", SubscriptionItems.taxRates(call, params, "default_tax_rates"));
    }
    if (params.has("cancel_at_period_end") && subscription.get("items") == null) {
      subscription.put("cancel_at_period_end", params.boolOr("cancel_at_period_end", false));
    }
    Billing.metadata(params, subscription);
  }

  private static Map<String, Object> cancellationDetails() {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("comment", null);
    details.put("feedback", null);
    details.put("reason", null);
    return details;
  }

  private static Map<String, Object> itemsList(String id, List<Map<String, Object>> items) {
    return Lists.counted("/v1/subscription_items?subscription=" + id, items);
  }

  private static Predicate<Entry> listFilter(Call call) {
    String status = call.params().oneOf("status", STATUSES);
    String price = call.params().string("price");
    Predicate<Entry> byStatus =
        switch (status == null ? "" : status) {
          // Stripe hides canceled subscriptions unless asked for them.
          case "" ->
              e ->
                  !"canceled".equals(e.attr("status"))
                      && !"incomplete_expired".equals(e.attr("status"));
          case "all" -> e -> true;
          case "ended" ->
              e ->
                  "canceled".equals(e.attr("status"))
                      || "incomplete_expired".equals(e.attr("status"));
          default -> e -> status.equals(e.attr("status"));
        };
    return byStatus.and(e -> price == null || hasPrice(e, price));
  }

  private static boolean hasPrice(Entry entry, String price) {
    String prices = entry.attr("prices");
    return prices != null && List.of(prices.split(" ")).contains(price);
  }

  private static Map<String, String> attrs(Map<String, Object> subscription) {
    List<String> prices = new ArrayList<>();
    Object items = subscription.get("items");
    if (items instanceof Map<?, ?> list && list.get("data") instanceof List<?> data) {
      for (Object item : data) {
        prices.add(String.valueOf(Billing.map(Billing.map(item).get("price")).get("id")));
      }
    }
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("customer", (String) subscription.get("customer"));
    attrs.put("status", (String) subscription.get("status"));
    attrs.put("prices", String.join(" ", prices));
    return attrs;
  }
}
