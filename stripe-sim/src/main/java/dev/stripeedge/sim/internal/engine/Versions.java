package dev.stripeedge.sim.internal.engine;

import dev.stripeedge.sim.internal.wire.Json;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Stripe's API versions: the changes between 2020-08-27 and today that touch the resources the
 * simulator serves, as small transformations in the order Stripe released them.
 *
 * <p>Objects are stored and built in today's shape. A request pinned to an older {@code
 * Stripe-Version} gets each response object walked back through every change released after its
 * version ({@link #downgrade}); a change of a default (what a request means when it leaves a
 * parameter out) is a request transformation instead ({@link #upgradeRequest}), so the stored
 * object is what Stripe would have stored. Requests at or after the newest change, including every
 * request without {@code Stripe-Version} at the default version, are untouched. Sources: Stripe's
 * API changelog and the SDKs' release notes for each version. Stateless, thread-safe.
 */
public final class Versions {

  // Over 400 lines because of the version table: one entry per Stripe API change, in release order.

  /**
   * One response change: objects named {@code objectName} rendered for a version before {@code
   * version} get {@code downgrade} applied.
   */
  record Change(
      String version,
      String objectName,
      String what,
      BiConsumer<Map<String, Object>, Account> downgrade) {}

  /**
   * One change of a request default: requests to {@code endpoint} for a version before {@code
   * version} get {@code upgrade} applied to their parameters before validation.
   */
  record RequestChange(
      String version, String endpoint, String what, Consumer<Map<String, Object>> upgrade) {}

  /** Checkout's UI modes before 2026-03-25.dahlia, by today's name. */
  private static final Map<String, String> OLD_UI_MODES =
      Map.of("hosted_page", "hosted", "embedded_page", "embedded", "elements", "custom");

  /** Newest first: an object is walked back one release at a time. */
  static final List<Change> CHANGES =
      List.of(
          new Change(
              "2026-03-25",
              "checkout.session",
              "ui_mode values renamed: hosted_page, embedded_page, elements (were hosted, embedded,"
                  + " custom)",
              (session, account) -> {
                if (session.get("ui_mode") instanceof String mode) {
                  session.put("ui_mode", OLD_UI_MODES.getOrDefault(mode, mode));
                }
              }),
          new Change(
              "2025-09-30",
              "discount",
              "coupon replaced by source.coupon",
              (discount, account) -> {
                if (discount.get("source") instanceof Map<?, ?> source
                    && map(source).get("coupon") instanceof String couponId) {
                  Entry coupon = account.collection("coupons").get(couponId);
                  discount.putIfAbsent(
                      "coupon", coupon == null ? null : Json.readMap(coupon.json()));
                }
              }),
          new Change(
              "2025-04-30",
              "payment_method",
              "billing_details.tax_id added (Latin American buyers' tax ids)",
              (pm, account) -> removeNested(pm, "billing_details", "tax_id")),
          new Change(
              "2025-04-30",
              "charge",
              "billing_details.tax_id added, as on the payment method",
              (charge, account) -> removeNested(charge, "billing_details", "tax_id")),
          new Change(
              "2025-03-31",
              "price",
              "recurring.aggregate_usage removed with legacy usage-based billing",
              (price, account) -> {
                if (price.get("recurring") instanceof Map<?, ?> recurring) {
                  map(recurring).putIfAbsent("aggregate_usage", null);
                }
              }),
          new Change(
              "2025-03-31",
              "plan",
              "aggregate_usage removed with legacy usage-based billing",
              (plan, account) -> plan.putIfAbsent("aggregate_usage", null)),
          new Change(
              "2025-03-31",
              "subscription",
              "discount removed for discounts; current_period_start/end moved to the items",
              Versions::subscriptionBeforeBasil),
          new Change(
              "2025-03-31",
              "invoice",
              "subscription, charge, payment_intent, paid, discount and tax fields removed",
              Versions::invoiceBeforeBasil),
          new Change(
              "2025-03-31",
              "line_item",
              "price, proration, subscription_item, type, tax_rates and tax_amounts removed",
              Versions::lineItemBeforeBasil),
          new Change(
              "2025-03-31",
              "payment_intent",
              "invoice removed (invoices now list their payments)",
              (pi, account) -> pi.putIfAbsent("invoice", null)),
          new Change(
              "2025-03-31",
              "charge",
              "invoice removed (invoices now list their payments)",
              (charge, account) -> charge.putIfAbsent("invoice", null)),
          new Change(
              "2024-04-10",
              "product",
              "features renamed marketing_features",
              (product, account) -> rename(product, "marketing_features", "features")),
          new Change(
              "2023-08-16",
              "product",
              "attributes removed (with caption and deactivate_on, for goods only)",
              (product, account) -> product.putIfAbsent("attributes", List.of())),
          new Change(
              "2023-08-16",
              "charge",
              "dispute and destination removed",
              Versions::chargeBefore20230816),
          new Change(
              "2022-11-15",
              "payment_intent",
              "charges removed for latest_charge",
              Versions::paymentIntentCharges),
          new Change(
              "2022-11-15",
              "charge",
              "refunds no longer included by default (expand[]=refunds)",
              (charge, account) -> {
                if (!charge.containsKey("refunds")) {
                  charge.put("refunds", Expander.include(charge, "refunds", account));
                }
              }),
          new Change(
              "2020-08-27",
              "customer",
              "sources, subscriptions and tax_ids no longer included by default",
              (customer, account) -> {
                if (Boolean.TRUE.equals(customer.get("deleted"))) {
                  return; // a deleted customer is its id and the flag, in every version
                }
                for (String field : List.of("sources", "subscriptions", "tax_ids")) {
                  if (!customer.containsKey(field)) {
                    customer.put(field, Expander.include(customer, field, account));
                  }
                }
              }));

  static final List<RequestChange> REQUEST_CHANGES =
      List.of(
          new RequestChange(
              "2026-03-25",
              "POST /v1/checkout/sessions",
              "ui_mode takes hosted_page, embedded_page, elements (was hosted, embedded, custom)",
              params -> {
                if (params.get("ui_mode") instanceof String mode) {
                  OLD_UI_MODES.forEach(
                      (current, old) -> {
                        if (old.equals(mode)) {
                          params.put("ui_mode", current);
                        }
                      });
                }
              }),
          new RequestChange(
              "2024-04-10",
              "POST /v1/payment_intents",
              "capture_method defaults to automatic_async, was automatic",
              params -> params.putIfAbsent("capture_method", "automatic")),
          new RequestChange(
              "2023-08-16",
              "POST /v1/payment_intents",
              "automatic_payment_methods on by default, was payment_method_types=[card]",
              Versions::cardUnlessAutomatic),
          new RequestChange(
              "2023-08-16",
              "POST /v1/setup_intents",
              "automatic_payment_methods on by default, was payment_method_types=[card]",
              Versions::cardUnlessAutomatic));

  private static final Pattern VERSION = Pattern.compile("(\\d{4}-\\d{2}-\\d{2})(\\.[a-z]+)?");

  /** The newest change's date: versions from it on need no transformation. */
  private static final String NEWEST = CHANGES.get(0).version();

  /** {@link #CHANGES} by object name, newest first: a version's changes are a prefix of each. */
  private static final Map<String, List<Change>> BY_OBJECT = byObject();

  /**
   * How responses are shaped for one API version, parsed once per request: {@code date} is the
   * version's date when it is older than the newest change, null when objects go out as stored.
   */
  public record Shape(@Nullable String date) {

    /** Today's shape: nothing to do. */
    public static final Shape CURRENT = new Shape(null);

    public boolean current() {
      return date == null;
    }

    /** Walks {@code node} back to this version in place; see {@link Versions#downgrade}. */
    void apply(@Nullable Object node, Account account) {
      if (date != null) {
        walk(node, date, account);
      }
    }
  }

  private Versions() {}

  /**
   * True when {@code version} is older than {@code changeVersion}. An unparseable version (only the
   * configured default can be one; headers are {@linkplain #validate validated}) counts as current.
   */
  static boolean before(@Nullable String version, String changeVersion) {
    String date = date(version);
    return date != null && date.compareTo(changeVersion) < 0;
  }

  /** Stripe's 400 for a {@code Stripe-Version} that is not a version at all. */
  static void validate(@Nullable String header) {
    validate(header, null);
  }

  /** Stripe's 400 for a version (a header, or the parameter {@code param}) that is not one. */
  public static void validate(@Nullable String version, @Nullable String param) {
    if (version != null && !version.isBlank() && date(version) == null) {
      throw StripeError.invalid(null, "Invalid Stripe API version: " + version.strip(), param);
    }
  }

  /** True when responses for {@code version} need transforming. */
  public static boolean needsDowngrade(@Nullable String version) {
    return before(version, NEWEST);
  }

  /** The shape of responses for {@code version}. */
  public static Shape shape(@Nullable String version) {
    return needsDowngrade(version) ? new Shape(date(version)) : Shape.CURRENT;
  }

  private static Map<String, List<Change>> byObject() {
    Map<String, List<Change>> byObject = new LinkedHashMap<>();
    for (Change change : CHANGES) {
      byObject.computeIfAbsent(change.objectName(), k -> new ArrayList<>()).add(change);
    }
    byObject.replaceAll((name, changes) -> List.copyOf(changes));
    return Map.copyOf(byObject);
  }

  private static @Nullable String date(@Nullable String version) {
    if (version == null) {
      return null;
    }
    Matcher matcher = VERSION.matcher(version.strip());
    return matcher.matches() ? matcher.group(1) : null;
  }

  /** Applies the request default changes after {@code version} to a request's parameters. */
  static void upgradeRequest(String endpoint, Map<String, Object> params, String version) {
    for (RequestChange change : REQUEST_CHANGES) {
      if (change.endpoint().equals(endpoint) && before(version, change.version())) {
        change.upgrade().accept(params);
      }
    }
  }

  /**
   * Walks {@code node} (an object, a list, anything nested) back to {@code version}: each Stripe
   * object gets every change after the version, newest first, then its contents are walked. An
   * event keeps the version it was rendered in, as at Stripe ({@code api_version} says which).
   */
  static void downgrade(@Nullable Object node, String version, Account account) {
    shape(version).apply(node, account);
  }

  private static void walk(@Nullable Object node, String date, Account account) {
    if (node instanceof List<?> list) {
      for (Object element : list) {
        walk(element, date, account);
      }
      return;
    }
    if (!(node instanceof Map<?, ?> raw)) {
      return;
    }
    Map<String, Object> object = map(raw);
    Object name = object.get("object");
    if ("event".equals(name)) {
      return;
    }
    List<Change> changes = name instanceof String objectName ? BY_OBJECT.get(objectName) : null;
    if (changes != null) {
      for (Change change : changes) {
        if (date.compareTo(change.version()) >= 0) {
          break; // newest first: the rest are older than the version too
        }
        change.downgrade().accept(object, account);
      }
    }
    for (Object child : new ArrayList<>(object.values())) {
      walk(child, date, account);
    }
  }

  private static void cardUnlessAutomatic(Map<String, Object> params) {
    if (!params.containsKey("payment_method_types")
        && !params.containsKey("automatic_payment_methods")) {
      params.put("payment_method_types", new ArrayList<>(List.of("card")));
    }
  }

  private static void subscriptionBeforeBasil(Map<String, Object> subscription, Account account) {
    // Before basil a subscription had one discount, as an object.
    Object discount = null;
    if (subscription.get("discounts") instanceof List<?> discounts
        && !discounts.isEmpty()
        && discounts.get(0) instanceof String id) {
      Entry entry = account.collection("discounts").get(id);
      discount = entry == null ? null : Json.readMap(entry.json());
    }
    subscription.putIfAbsent("discount", discount);
    if (subscription.get("items") instanceof Map<?, ?> items
        && map(items).get("data") instanceof List<?> data
        && !data.isEmpty()
        && data.get(0) instanceof Map<?, ?> first) {
      subscription.putIfAbsent("current_period_end", map(first).get("current_period_end"));
      subscription.putIfAbsent("current_period_start", map(first).get("current_period_start"));
    }
  }

  private static void invoiceBeforeBasil(Map<String, Object> invoice, Account account) {
    Object subscription = null;
    Map<String, Object> subscriptionDetails = null;
    if (invoice.get("parent") instanceof Map<?, ?> parent
        && map(parent).get("subscription_details") instanceof Map<?, ?> details) {
      subscription = map(details).get("subscription");
      subscriptionDetails = new LinkedHashMap<>();
      subscriptionDetails.put("metadata", map(details).get("metadata"));
    }
    // Fields basil removed; the simulator's invoices are paid without a charge or PaymentIntent.
    invoice.putIfAbsent("application_fee_amount", null);
    invoice.putIfAbsent("charge", null);
    invoice.putIfAbsent("discount", null);
    invoice.putIfAbsent("paid", "paid".equals(invoice.get("status")));
    invoice.putIfAbsent("paid_out_of_band", false);
    invoice.putIfAbsent("payment_intent", null);
    invoice.putIfAbsent("quote", null);
    invoice.putIfAbsent("subscription", subscription);
    invoice.putIfAbsent("subscription_details", subscriptionDetails);
    invoice.putIfAbsent("tax", null);
    invoice.putIfAbsent("total_tax_amounts", List.of());
    invoice.putIfAbsent("transfer_data", null);
  }

  /** Before 2023-08-16 a charge named its dispute (and its Connect destination). */
  private static void chargeBefore20230816(Map<String, Object> charge, Account account) {
    String id = String.valueOf(charge.get("id"));
    List<Entry> disputes =
        account
            .collection("disputes")
            .list(
                new ListQuery(1, null, null, Long.MIN_VALUE, Long.MAX_VALUE),
                entry -> id.equals(entry.attr("charge")),
                "dispute")
            .entries();
    charge.putIfAbsent("destination", null);
    charge.putIfAbsent("dispute", disputes.isEmpty() ? null : disputes.get(0).id());
  }

  private static void lineItemBeforeBasil(Map<String, Object> line, Account account) {
    Map<String, Object> itemDetails = null;
    if (line.get("parent") instanceof Map<?, ?> parent
        && map(parent).get("subscription_item_details") instanceof Map<?, ?> details) {
      itemDetails = map(details);
    }
    line.putIfAbsent("invoice_item", null);
    Map<String, Object> prorationDetails = new LinkedHashMap<>();
    prorationDetails.put("credited_items", null);
    line.putIfAbsent("proration_details", prorationDetails);
    line.putIfAbsent("tax_amounts", List.of());
    line.putIfAbsent("tax_rates", List.of());
    line.putIfAbsent(
        "proration", itemDetails != null && Boolean.TRUE.equals(itemDetails.get("proration")));
    line.putIfAbsent(
        "subscription_item", itemDetails == null ? null : itemDetails.get("subscription_item"));
    line.putIfAbsent("type", itemDetails != null ? "subscription" : "invoiceitem");
    // Before 2025-03-31 a line carried its whole price object.
    Object priceId = null;
    if (line.get("pricing") instanceof Map<?, ?> pricing
        && map(pricing).get("price_details") instanceof Map<?, ?> priceDetails) {
      priceId = map(priceDetails).get("price");
    }
    Entry price = priceId instanceof String id ? account.collection("prices").get(id) : null;
    line.putIfAbsent("price", price == null ? null : Json.readMap(price.json()));
  }

  /** Before 2022-11-15 a PaymentIntent listed its charges, newest first. */
  private static void paymentIntentCharges(Map<String, Object> pi, Account account) {
    String id = String.valueOf(pi.get("id"));
    Page page =
        account
            .collection("charges")
            .list(
                new ListQuery(100, null, null, Long.MIN_VALUE, Long.MAX_VALUE),
                entry -> id.equals(entry.attr("payment_intent")),
                "charge");
    Map<String, Object> charges = Lists.of("/v1/charges?payment_intent=" + id, page);
    charges.put("total_count", (long) ((List<?>) charges.get("data")).size());
    pi.put("charges", charges);
  }

  private static void removeNested(Map<String, Object> object, String field, String key) {
    if (object.get(field) instanceof Map<?, ?> nested) {
      Map<String, Object> copy = new LinkedHashMap<>(map(nested));
      copy.remove(key);
      object.put(field, copy);
    }
  }

  private static void rename(Map<String, Object> object, String from, String to) {
    if (object.containsKey(from)) {
      object.put(to, object.remove(from));
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<?, ?> raw) {
    return (Map<String, Object>) raw;
  }
}
