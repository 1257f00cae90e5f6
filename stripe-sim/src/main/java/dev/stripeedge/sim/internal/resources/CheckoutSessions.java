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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Checkout Sessions: create (payment, subscription and setup modes with prices as line items),
 * retrieve, list, expire, and their line items.
 *
 * <p>Simplified: nobody visits the hosted page, so a session stays {@code open} until it is expired
 * through the API ({@code expires_at} passing does not expire it) and no PaymentIntent,
 * subscription or customer is ever created; inline {@code price_data}, discounts, shipping and tax
 * are not taken.
 */
final class CheckoutSessions {

  static final Crud CRUD = new Crud("checkout/sessions", "checkout.session");

  /** Line items are stored apart, as Stripe lists them apart ({@code /line_items}). */
  private static final String ITEMS = "checkout_line_items";

  private static final List<String> CREATE =
      List.of(
          "mode",
          "line_items",
          "success_url",
          "cancel_url",
          "customer",
          "customer_email",
          "client_reference_id",
          "currency",
          "expires_at",
          "metadata",
          "payment_method_types",
          "return_url",
          "ui_mode");

  /** Today's names (since 2026-03-25.dahlia; older versions' names are mapped on the way in). */
  private static final List<String> UI_MODES =
      List.of("hosted_page", "embedded_page", "elements", "form");

  /** Sessions last a day unless told otherwise. */
  private static final long LIFETIME_SECONDS = 86_400L;

  private CheckoutSessions() {}

  static void register(Router router) {
    CRUD.add(router, "POST", "", Route.Kind.WRITE, CREATE, null, CheckoutSessions::create);
    CRUD.retrieve(router);
    CRUD.list(router, List.of("customer", "status", "payment_intent"));
    CRUD.add(
        router,
        "POST",
        "/{id}/expire",
        Route.Kind.WRITE,
        List.of(),
        "id",
        CheckoutSessions::expire);
    router.add(
        new Route(
            "GET",
            CRUD.url() + "/{id}/line_items",
            Route.Kind.LIST,
            Route.params(ListQuery.PARAMS),
            null,
            CheckoutSessions::lineItems));
  }

  private static Result create(Call call) {
    Params params = call.params();
    String mode = params.oneOf("mode", List.of("payment", "setup", "subscription"));
    if (mode == null) {
      throw StripeError.parameterMissing("mode");
    }
    String customer = params.string("customer");
    if (customer != null) {
      call.require("customers", "customer", customer, "customer");
      if (params.has("customer_email")) {
        throw StripeError.invalid(
            null,
            "You may only specify one of these parameters: customer, customer_email.",
            "customer_email");
      }
    }
    Map<String, Object> session =
        call.newObject(call.account().livemode() ? "cs_live" : "cs_test", "checkout.session");
    String id = (String) session.get("id");
    List<Map<String, Object>> items = lineItems(call, params, mode);
    String currency =
        items.isEmpty()
            ? params.string("currency")
            : (String) Billing.map(items.get(0).get("price")).get("currency");
    long subtotal = 0;
    for (Map<String, Object> item : items) {
      subtotal += Billing.number(item.get("amount_subtotal"));
    }
    boolean setup = mode.equals("setup");
    Long expiresAt = params.integer("expires_at");
    // Adaptive Pricing (local currencies) is not simulated.
    session.put("adaptive_pricing", null);
    session.put("after_expiration", null);
    session.put("allow_promotion_codes", null);
    session.put("amount_subtotal", setup ? null : subtotal);
    session.put("amount_total", setup ? null : subtotal);
    Map<String, Object> automaticTax = new LinkedHashMap<>();
    automaticTax.put("enabled", false);
    automaticTax.put("liability", null);
    automaticTax.put("provider", null);
    automaticTax.put("status", null);
    session.put("automatic_tax", automaticTax);
    session.put("billing_address_collection", null);
    session.put("cancel_url", params.string("cancel_url"));
    session.put("client_reference_id", params.string("client_reference_id"));
    String uiMode =
        java.util.Objects.requireNonNullElse(params.oneOf("ui_mode", UI_MODES), "hosted_page");
    boolean hosted = uiMode.equals("hosted_page");
    // Embedded pages and Elements are driven from the browser with the client secret.
    session.put("client_secret", hosted ? null : id + "_secret_" + call.state().ids().token(24));
    session.put("collected_information", null);
    session.put("consent", null);
    session.put("consent_collection", null);
    session.put("currency", currency);
    session.put("currency_conversion", null);
    session.put("custom_fields", List.of());
    Map<String, Object> customText = new LinkedHashMap<>();
    customText.put("after_submit", null);
    customText.put("shipping_address", null);
    customText.put("submit", null);
    customText.put("terms_of_service_acceptance", null);
    session.put("custom_text", customText);
    session.put("customer", customer);
    session.put("customer_account", null);
    session.put("customer_creation", customer == null && !setup ? "if_required" : null);
    session.put("customer_details", null);
    session.put("customer_email", params.string("customer_email"));
    session.put("discounts", List.of());
    session.put("expires_at", expiresAt != null ? expiresAt : call.now() + LIFETIME_SECONDS);
    session.put("integration_identifier", null);
    session.put("invoice", null);
    session.put("invoice_creation", null);
    session.put("locale", null);
    session.put("metadata", params.applyMetadata("metadata", new LinkedHashMap<>()));
    session.put("mode", mode);
    session.put("origin_context", null);
    // The PaymentIntent is created when the customer confirms on the page (since 2022-08-01).
    session.put("payment_intent", null);
    session.put("payment_link", null);
    session.put("payment_method_collection", mode.equals("payment") ? null : "always");
    session.put("payment_method_configuration_details", null);
    session.put("payment_method_options", new LinkedHashMap<>());
    session.put("payment_method_types", List.of("card"));
    session.put("payment_status", setup ? "no_payment_required" : "unpaid");
    session.put("permissions", null);
    session.put("phone_number_collection", Map.of("enabled", false));
    session.put("recovered_from", null);
    session.put("saved_payment_method_options", null);
    session.put("setup_intent", null);
    session.put("shipping_address_collection", null);
    session.put("shipping_cost", null);
    session.put("shipping_options", List.of());
    session.put("status", "open");
    session.put("submit_type", null);
    session.put("subscription", null);
    session.put("success_url", params.string("success_url"));
    if (!hosted) {
      session.put("return_url", params.string("return_url"));
    }
    Map<String, Object> totals = new LinkedHashMap<>();
    totals.put("amount_discount", 0L);
    totals.put("amount_shipping", 0L);
    totals.put("amount_tax", 0L);
    session.put("total_details", setup ? null : totals);
    session.put("ui_mode", uiMode);
    session.put("url", hosted ? "https://checkout.stripe.com/c/pay/" + id : null);
    session.put("wallet_options", null);
    for (Map<String, Object> item : items) {
      call.insert(ITEMS, item, Map.of("session", id));
    }
    call.insert(CRUD.type(), session, attrs(session));
    return new Result.Obj(session);
  }

  /** Builds (does not store) the session's line items from {@code line_items[][price|quantity]}. */
  private static List<Map<String, Object>> lineItems(Call call, Params params, String mode) {
    List<Params> requested = params.objectList("line_items");
    if (requested.isEmpty() && !mode.equals("setup")) {
      throw StripeError.invalid(
          null, "You must provide at least one line item in `" + mode + "` mode.", "line_items");
    }
    if (mode.equals("setup") && params.string("currency") == null) {
      throw StripeError.parameterMissing("currency");
    }
    List<Map<String, Object>> items = new ArrayList<>();
    String currency = null;
    for (int i = 0; i < requested.size(); i++) {
      Params line = requested.get(i);
      line.allowOnly(List.of("price", "quantity"));
      String prefix = "line_items[" + i + "]";
      Map<String, Object> price =
          call.load(Prices.CRUD.type(), "price", line.requiredString("price"), prefix + "[price]");
      boolean recurring = price.get("recurring") != null;
      if (recurring != mode.equals("subscription")) {
        throw StripeError.invalid(
            null,
            recurring
                ? "You must be in `subscription` mode to use recurring prices."
                : "You specified `subscription` mode but passed only one-time prices.",
            prefix + "[price]");
      }
      if (currency != null && !currency.equals(price.get("currency"))) {
        throw StripeError.invalid(
            null, "All line items must use the same currency.", prefix + "[price]");
      }
      currency = (String) price.get("currency");
      Long quantity = line.integer("quantity");
      long qty = quantity == null ? 1L : quantity;
      if (qty < 1) {
        throw StripeError.invalid(
            "parameter_invalid_integer", "Invalid positive integer", prefix + "[quantity]");
      }
      long amount = Billing.number(price.get("unit_amount")) * qty;
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("id", call.newId("li"));
      item.put("object", "item");
      item.put("adjustable_quantity", null);
      item.put("amount_discount", 0L);
      item.put("amount_subtotal", amount);
      item.put("amount_tax", 0L);
      item.put("amount_total", amount);
      item.put("currency", currency);
      item.put("description", productName(call, price.get("product")));
      item.put("metadata", null);
      item.put("price", price);
      item.put("quantity", qty);
      items.add(item);
    }
    return items;
  }

  private static Result expire(Call call) {
    Map<String, Object> session = call.load(CRUD.type(), "checkout.session", call.path("id"), "id");
    if (!"open".equals(session.get("status"))) {
      throw StripeError.invalidState(
          null,
          "Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout"
              + " Session has a status of \""
              + session.get("status")
              + "\".",
          null);
    }
    session.put("status", "expired");
    call.save(CRUD.type(), session, attrs(session));
    call.emit("checkout.session.expired", session);
    return new Result.Obj(session);
  }

  private static Result lineItems(Call call) {
    String id = call.path("id");
    call.require(CRUD.type(), "checkout.session", id, "id");
    return new Result.Listing(
        CRUD.url() + "/" + id + "/line_items",
        call.collection(ITEMS)
            .list(ListQuery.from(call.params()), e -> id.equals(e.attr("session")), "item"));
  }

  private static @Nullable String productName(Call call, @Nullable Object productId) {
    if (!(productId instanceof String id)) {
      return null;
    }
    Entry product = call.collection(Products.CRUD.type()).get(id);
    return product == null ? id : (String) call.read(product).get("name");
  }

  private static Map<String, String> attrs(Map<String, Object> session) {
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("status", (String) session.get("status"));
    if (session.get("customer") instanceof String customer) {
      attrs.put("customer", customer);
    }
    return attrs;
  }
}
