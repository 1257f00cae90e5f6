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
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Invoices (basic): create a draft, retrieve, list, search, finalize, pay, void, delete a draft.
 *
 * <p>Paying needs no payment method: the simulated customer can always pay. Taxes, discounts and
 * pending invoice items are not modelled; a one-off invoice has no lines.
 */
final class Invoices {

  // Over 400 lines: one Stripe resource's whole surface (routes, validation, state machine,
  // events), as Stripe documents it.

  static final Crud CRUD = new Crud("invoices", "invoice");

  private static final List<String> CREATE =
      List.of(
          "customer",
          "auto_advance",
          "collection_method",
          "currency",
          "days_until_due",
          "description",
          "metadata",
          "default_payment_method",
          "subscription");

  private Invoices() {}

  static void register(Router router) {
    CRUD.add(router, "POST", "", Route.Kind.WRITE, CREATE, null, Invoices::create);
    CRUD.retrieve(router);
    CRUD.list(router, List.of("customer", "subscription", "status", "collection_method"));
    Search.register(router, CRUD, List.of("customer", "status", "currency", "number", "total"));
    CRUD.add(
        router,
        "POST",
        "/{id}/finalize",
        Route.Kind.WRITE,
        List.of("auto_advance"),
        "id",
        Invoices::finalizeRoute);
    CRUD.add(
        router,
        "POST",
        "/{id}/pay",
        Route.Kind.PAYMENT,
        List.of(
            "forgive", "mandate", "off_session", "paid_out_of_band", "payment_method", "source"),
        "id",
        Invoices::pay);
    CRUD.add(
        router, "POST", "/{id}/void", Route.Kind.WRITE, List.of(), "id", Invoices::voidInvoice);
    CRUD.add(router, "DELETE", "/{id}", Route.Kind.WRITE, List.of(), "id", Invoices::delete);
  }

  private static Result create(Call call) {
    Params params = call.params();
    String customerId = params.requiredString("customer");
    Map<String, Object> customer = call.load("customers", "customer", customerId, "customer");
    if (params.has("subscription")) {
      throw StripeError.invalid(
          "invoice_no_subscription_line_items",
          "Nothing to invoice for subscription: the simulator has no pending subscription items.",
          "subscription");
    }
    String currency =
        params.has("currency")
            ? Billing.currency(params, "currency")
            : customer.get("currency") instanceof String c ? c : "usd";
    Map<String, Object> invoice = skeleton(call, customer, currency, "manual");
    invoice.put("auto_advance", params.boolOr("auto_advance", false));
    String method =
        params.oneOf("collection_method", List.of("charge_automatically", "send_invoice"));
    if (method != null) {
      invoice.put("collection_method", method);
    }
    Long days = params.integer("days_until_due");
    if ("send_invoice".equals(method) && days == null) {
      throw StripeError.parameterMissing("days_until_due");
    }
    if (days != null) {
      invoice.put("due_date", call.now() + days * 86_400L);
    }
    invoice.put("description", params.string("description"));
    String pm = params.string("default_payment_method");
    if (pm != null) {
      call.require("payment_methods", "PaymentMethod", pm, "default_payment_method");
      invoice.put("default_payment_method", pm);
    }
    Billing.metadata(params, invoice);
    invoice.put("lines", lines((String) invoice.get("id"), List.of()));
    return new Result.Stored(insert(call, invoice));
  }

  /** Builds (does not store) the first invoice of a new subscription, one line per item. */
  static Map<String, Object> forSubscription(
      Call call,
      Map<String, Object> customer,
      Map<String, Object> subscription,
      List<Map<String, Object>> items,
      boolean trial) {
    Map<String, Object> invoice =
        skeleton(call, customer, (String) subscription.get("currency"), "subscription_create");
    String id = (String) invoice.get("id");
    String subscriptionId = (String) subscription.get("id");
    invoice.put("auto_advance", true);
    invoice.put("collection_method", subscription.get("collection_method"));
    Object days = subscription.get("days_until_due");
    if (days instanceof Number n) {
      invoice.put("due_date", call.now() + n.longValue() * 86_400L);
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("metadata", subscription.get("metadata"));
    details.put("subscription", subscriptionId);
    Map<String, Object> parent = new LinkedHashMap<>();
    parent.put("quote_details", null);
    parent.put("subscription_details", details);
    parent.put("type", "subscription_details");
    invoice.put("parent", parent);
    List<Map<String, Object>> lines = new ArrayList<>();
    long total = 0;
    for (Map<String, Object> item : items) {
      Map<String, Object> line = line(call, id, subscriptionId, item, trial);
      total += Billing.number(line.get("amount"));
      lines.add(line);
    }
    long start = Billing.number(items.get(0).get("current_period_start"));
    invoice.put("period_start", start);
    invoice.put("period_end", start);
    invoice.put("lines", lines(id, lines));
    amounts(invoice, total);
    return invoice;
  }

  static Entry insert(Call call, Map<String, Object> invoice) {
    return CRUD.insert(call, invoice, attrs(invoice));
  }

  static void save(Call call, Map<String, Object> invoice) {
    call.save(CRUD.type(), invoice, attrs(invoice));
  }

  /** Draft to open (or straight to paid for a zero total, as Stripe does); numbers the invoice. */
  static void finalizeInvoice(Call call, Map<String, Object> invoice) {
    Map<String, Object> customer =
        call.load("customers", "customer", (String) invoice.get("customer"), "customer");
    long sequence = Math.max(1L, Billing.number(customer.get("next_invoice_sequence")));
    customer.put("next_invoice_sequence", sequence + 1);
    // Bookkeeping only: Stripe sends no customer.updated for the sequence.
    call.save("customers", customer);
    String token = (String) invoice.get("id");
    invoice.put(
        "number", String.format(Locale.ROOT, "%s-%04d", customer.get("invoice_prefix"), sequence));
    invoice.put("status", "open");
    invoice.put("effective_at", call.now());
    invoice.put("hosted_invoice_url", "https://invoice.stripe.com/i/" + token);
    invoice.put("invoice_pdf", "https://pay.stripe.com/invoice/" + token + "/pdf");
    Billing.map(invoice.get("status_transitions")).put("finalized_at", call.now());
    call.emit("invoice.finalized", invoice);
    if (Billing.number(invoice.get("amount_due")) == 0) {
      markPaid(call, invoice);
    }
  }

  /** Open to paid: the whole amount due is paid now. */
  static void markPaid(Call call, Map<String, Object> invoice) {
    long due = Billing.number(invoice.get("amount_due"));
    invoice.put("amount_paid", due);
    invoice.put("amount_remaining", 0L);
    invoice.put("attempt_count", due > 0 ? 1L : 0L);
    invoice.put("attempted", due > 0);
    invoice.put("status", "paid");
    Billing.map(invoice.get("status_transitions")).put("paid_at", call.now());
    call.emit("invoice.paid", invoice);
    call.emit("invoice.payment_succeeded", invoice);
  }

  private static Result finalizeRoute(Call call) {
    Map<String, Object> invoice = call.load(CRUD.type(), CRUD.objectName(), call.path("id"), "id");
    if (!"draft".equals(invoice.get("status"))) {
      throw StripeError.invalid(
          null,
          "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
          null);
    }
    if (call.params().has("auto_advance")) {
      invoice.put("auto_advance", call.params().boolOr("auto_advance", false));
    }
    finalizeInvoice(call, invoice);
    save(call, invoice);
    return new Result.Obj(invoice);
  }

  private static Result pay(Call call) {
    Map<String, Object> invoice = call.load(CRUD.type(), CRUD.objectName(), call.path("id"), "id");
    String status = (String) invoice.get("status");
    switch (status) {
      case "paid" -> throw StripeError.invalid(null, "Invoice is already paid", null);
      case "void" ->
          throw StripeError.invalid(null, "This invoice has been voided and cannot be paid.", null);
      case "draft" -> finalizeInvoice(call, invoice);
      default -> {}
    }
    // paid_out_of_band is accepted; either way the invoice ends up paid.
    call.params().bool("paid_out_of_band");
    if (!"paid".equals(invoice.get("status"))) {
      markPaid(call, invoice);
    }
    save(call, invoice);
    String subscription = subscriptionOf(invoice);
    if (subscription != null) {
      Subscriptions.activate(call, subscription);
    }
    return new Result.Obj(invoice);
  }

  private static Result voidInvoice(Call call) {
    Map<String, Object> invoice = call.load(CRUD.type(), CRUD.objectName(), call.path("id"), "id");
    Object status = invoice.get("status");
    if (!"open".equals(status) && !"uncollectible".equals(status)) {
      throw StripeError.invalid(
          null,
          "You can only void an open or uncollectible invoice; this one is " + status + ".",
          null);
    }
    invoice.put("status", "void");
    invoice.put("amount_remaining", 0L);
    Billing.map(invoice.get("status_transitions")).put("voided_at", call.now());
    save(call, invoice);
    call.emit("invoice.voided", invoice);
    return new Result.Obj(invoice);
  }

  private static Result delete(Call call) {
    Map<String, Object> invoice = call.load(CRUD.type(), CRUD.objectName(), call.path("id"), "id");
    if (!"draft".equals(invoice.get("status"))) {
      throw StripeError.invalid(
          null, "You can only delete draft invoices. Use void to cancel an open invoice.", null);
    }
    call.delete(CRUD.type(), call.path("id"));
    call.emit("invoice.deleted", invoice);
    return new Result.Obj(CRUD.deleted(call.path("id")));
  }

  private static Map<String, Object> line(
      Call call, String invoiceId, String subscriptionId, Map<String, Object> item, boolean trial) {
    Map<String, Object> price = Billing.map(item.get("price"));
    long quantity = Billing.number(item.get("quantity"));
    long unit = Billing.number(price.get("unit_amount"));
    long amount = trial ? 0L : unit * quantity;
    String productName = productName(call, (String) price.get("product"));
    Map<String, Object> recurring = Billing.map(price.get("recurring"));
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("id", "il_" + call.state().ids().token(24));
    line.put("object", "line_item");
    line.put("amount", amount);
    line.put("currency", price.get("currency"));
    line.put(
        "description",
        trial
            ? "Trial period for " + productName
            : "%d × %s (at %s / %s)"
                .formatted(
                    quantity,
                    productName,
                    money(unit, (String) price.get("currency")),
                    recurring.get("interval")));
    line.put("discount_amounts", List.of());
    line.put("discountable", true);
    line.put("discounts", List.of());
    line.put("invoice", invoiceId);
    line.put("livemode", call.account().livemode());
    line.put("metadata", new LinkedHashMap<>());
    Map<String, Object> itemDetails = new LinkedHashMap<>();
    itemDetails.put("invoice_item", null);
    itemDetails.put("proration", false);
    Map<String, Object> proration = new LinkedHashMap<>();
    proration.put("credited_items", null);
    itemDetails.put("proration_details", proration);
    itemDetails.put("subscription", subscriptionId);
    itemDetails.put("subscription_item", item.get("id"));
    Map<String, Object> parent = new LinkedHashMap<>();
    parent.put("invoice_item_details", null);
    parent.put("subscription_item_details", itemDetails);
    parent.put("type", "subscription_item_details");
    line.put("parent", parent);
    Map<String, Object> period = new LinkedHashMap<>();
    period.put("end", item.get("current_period_end"));
    period.put("start", item.get("current_period_start"));
    line.put("period", period);
    line.put("pretax_credit_amounts", List.of());
    Map<String, Object> priceDetails = new LinkedHashMap<>();
    priceDetails.put("price", price.get("id"));
    priceDetails.put("product", price.get("product"));
    Map<String, Object> pricing = new LinkedHashMap<>();
    pricing.put("price_details", priceDetails);
    pricing.put("type", "price_details");
    pricing.put("unit_amount_decimal", price.get("unit_amount_decimal"));
    line.put("pricing", pricing);
    line.put("quantity", quantity);
    line.put("quantity_decimal", String.valueOf(quantity));
    line.put("subscription", subscriptionId);
    line.put("subtotal", amount);
    line.put("taxes", List.of());
    return line;
  }

  private static String productName(Call call, String productId) {
    Entry product = call.collection(Products.CRUD.type()).get(productId);
    return product == null ? productId : String.valueOf(call.read(product).get("name"));
  }

  private static String money(long amount, String currency) {
    String value = String.format(Locale.ROOT, "%d.%02d", amount / 100, amount % 100);
    return "usd".equals(currency) ? "$" + value : value + " " + currency.toUpperCase(Locale.ROOT);
  }

  private static Map<String, Object> skeleton(
      Call call, Map<String, Object> customer, String currency, String billingReason) {
    Map<String, Object> invoice = call.newObject("in", "invoice");
    invoice.put("account_country", "US");
    invoice.put("account_name", "Stripe Sim");
    invoice.put("account_tax_ids", null);
    invoice.put("amount_overpaid", 0L);
    invoice.put("amount_paid_off_stripe", 0L);
    invoice.put("amount_shipping", 0L);
    invoice.put("application", null);
    invoice.put("attempt_count", 0L);
    invoice.put("attempted", false);
    invoice.put("auto_advance", false);
    Map<String, Object> automaticTax = new LinkedHashMap<>();
    automaticTax.put("disabled_reason", null);
    automaticTax.put("enabled", false);
    automaticTax.put("liability", null);
    automaticTax.put("provider", null);
    automaticTax.put("status", null);
    invoice.put("automatic_tax", automaticTax);
    invoice.put("automatically_finalizes_at", null);
    invoice.put("billing_reason", billingReason);
    invoice.put("collection_method", "charge_automatically");
    invoice.put("currency", currency);
    invoice.put("custom_fields", null);
    invoice.put("customer", customer.get("id"));
    invoice.put("customer_account", null);
    invoice.put("customer_address", customer.get("address"));
    invoice.put("customer_email", customer.get("email"));
    invoice.put("customer_name", customer.get("name"));
    invoice.put("customer_phone", customer.get("phone"));
    invoice.put("customer_shipping", customer.get("shipping"));
    invoice.put("customer_tax_exempt", customer.get("tax_exempt"));
    invoice.put("customer_tax_ids", List.of());
    invoice.put("default_payment_method", null);
    invoice.put("default_source", null);
    invoice.put("default_tax_rates", List.of());
    invoice.put("description", null);
    invoice.put("discounts", List.of());
    invoice.put("due_date", null);
    invoice.put("effective_at", null);
    invoice.put("ending_balance", null);
    invoice.put("footer", null);
    invoice.put("from_invoice", null);
    invoice.put("hosted_invoice_url", null);
    invoice.put("invoice_pdf", null);
    invoice.put("issuer", Map.of("type", "self"));
    invoice.put("last_finalization_error", null);
    invoice.put("latest_revision", null);
    invoice.put("lines", null);
    invoice.put("metadata", new LinkedHashMap<>());
    invoice.put("next_payment_attempt", null);
    invoice.put("number", null);
    invoice.put("on_behalf_of", null);
    invoice.put("parent", null);
    Map<String, Object> paymentSettings = new LinkedHashMap<>();
    paymentSettings.put("default_mandate", null);
    paymentSettings.put("payment_method_options", null);
    paymentSettings.put("payment_method_types", null);
    invoice.put("payment_settings", paymentSettings);
    invoice.put("period_end", call.now());
    invoice.put("period_start", call.now());
    invoice.put("post_payment_credit_notes_amount", 0L);
    invoice.put("pre_payment_credit_notes_amount", 0L);
    invoice.put("receipt_number", null);
    invoice.put("rendering", null);
    invoice.put("shipping_cost", null);
    invoice.put("shipping_details", null);
    invoice.put("starting_balance", 0L);
    invoice.put("statement_descriptor", null);
    invoice.put("status", "draft");
    Map<String, Object> transitions = new LinkedHashMap<>();
    transitions.put("finalized_at", null);
    transitions.put("marked_uncollectible_at", null);
    transitions.put("paid_at", null);
    transitions.put("voided_at", null);
    invoice.put("status_transitions", transitions);
    invoice.put("test_clock", null);
    invoice.put("threshold_reason", null);
    invoice.put("total_discount_amounts", List.of());
    invoice.put("total_pretax_credit_amounts", List.of());
    invoice.put("total_taxes", List.of());
    invoice.put("webhooks_delivered_at", null);
    amounts(invoice, 0L);
    return invoice;
  }

  private static void amounts(Map<String, Object> invoice, long total) {
    invoice.put("amount_due", total);
    invoice.put("amount_paid", 0L);
    invoice.put("amount_remaining", total);
    invoice.put("subtotal", total);
    invoice.put("subtotal_excluding_tax", total);
    invoice.put("total", total);
    invoice.put("total_excluding_tax", total);
  }

  private static Map<String, Object> lines(String invoiceId, List<Map<String, Object>> data) {
    return Lists.counted("/v1/invoices/" + invoiceId + "/lines", data);
  }

  private static @Nullable String subscriptionOf(Map<String, Object> invoice) {
    Object parent = invoice.get("parent");
    if (parent instanceof Map<?, ?> p && p.get("subscription_details") instanceof Map<?, ?> d) {
      return (String) d.get("subscription");
    }
    return null;
  }

  private static Map<String, String> attrs(Map<String, Object> invoice) {
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("customer", (String) invoice.get("customer"));
    attrs.put("status", (String) invoice.get("status"));
    attrs.put("collection_method", (String) invoice.get("collection_method"));
    String subscription = subscriptionOf(invoice);
    if (subscription != null) {
      attrs.put("subscription", subscription);
    }
    return attrs;
  }
}
