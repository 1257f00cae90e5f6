package dev.stripeedge.sim.internal.engine;

import dev.stripeedge.sim.internal.wire.Json;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Replaces ids with the objects they name, for {@code expand[]} paths up to four levels deep.
 *
 * <p>A field can be expanded when it holds the id of an object the simulator stores (its prefix
 * says which collection) or is null; anything else is Stripe's 400. Stateless.
 */
final class Expander {

  static final int MAX_DEPTH = 4;

  private Expander() {}

  static void validate(List<String> paths) {
    for (String path : paths) {
      if (path.isEmpty()) {
        throw StripeError.invalid(null, "Invalid expand: empty path.", "expand");
      }
      if (path.split("\\.", -1).length > MAX_DEPTH) {
        throw StripeError.invalid(
            null,
            "You cannot expand more than " + MAX_DEPTH + " levels of a property. Property: " + path,
            "expand");
      }
    }
  }

  /**
   * Expands {@code paths} in {@code object}, which is already in the request's version shape; each
   * object an expansion brings in is shaped for that version too.
   */
  static void expand(
      Map<String, Object> object, List<String> paths, Account account, Versions.Shape shape) {
    for (String path : paths) {
      expandPath(object, path.split("\\."), 0, account, shape, path);
    }
  }

  /**
   * Fields holding the id of another object, whatever their value now (null included): what a null
   * can be expanded as. A field holding an id is expandable by that id anyway.
   */
  private static final Set<String> ID_FIELDS =
      Set.of(
          "account",
          "application",
          "application_fee",
          "balance_transaction",
          "charge",
          "coupon",
          "customer",
          "default_payment_method",
          "default_price",
          "default_source",
          "destination",
          "dispute",
          "failure_balance_transaction",
          "invoice",
          "latest_attempt",
          "latest_charge",
          "latest_invoice",
          "mandate",
          "on_behalf_of",
          "payment_intent",
          "payment_link",
          "payment_method",
          "pending_setup_intent",
          "plan",
          "price",
          "product",
          "promotion_code",
          "refund",
          "review",
          "schedule",
          "setup_intent",
          "single_use_mandate",
          "source",
          "source_transfer",
          "source_transfer_reversal",
          "subscription",
          "subscription_item",
          "test_clock",
          "transfer",
          "transfer_reversal");

  /** Lists of ids Stripe expands element by element. */
  private static final Set<String> ID_LISTS = Set.of("discounts", "account_tax_ids");

  @SuppressWarnings("unchecked")
  private static void expandPath(
      Map<String, Object> object,
      String[] parts,
      int index,
      Account account,
      Versions.Shape shape,
      String fullPath) {
    String field = parts[index];
    boolean last = index + 1 == parts.length;
    if (!object.containsKey(field)) {
      Object included = include(object, field, account);
      if (included == NOT_INCLUDABLE) {
        throw notExpandable(fullPath, field);
      }
      shape.apply(included, account);
      object.put(field, included);
    }
    Object value = object.get(field);
    if (value instanceof String id) {
      Map<String, Object> resolved = resolve(field, id, account);
      if (resolved == null) {
        throw notExpandable(fullPath, field);
      }
      shape.apply(resolved, account);
      object.put(field, resolved);
      value = resolved;
    }
    if (value instanceof List<?> ids) {
      if (!last || !ID_LISTS.contains(field)) {
        throw notExpandable(fullPath, field);
      }
      // A list of ids (a subscription's discounts) expands element by element.
      List<Object> resolved = new java.util.ArrayList<>();
      for (Object element : ids) {
        Map<String, Object> found =
            element instanceof String id && ObjectTypes.collectionFor(id) != null
                ? resolve(field, id, account)
                : null;
        if (found != null) {
          shape.apply(found, account);
        }
        resolved.add(found == null ? element : found);
      }
      object.put(field, resolved);
      return;
    }
    if (value == null) {
      if (!ID_FIELDS.contains(field) && !isIncludable(object, field)) {
        throw notExpandable(fullPath, field);
      }
      return;
    }
    if (!(value instanceof Map<?, ?> nested)) {
      throw notExpandable(fullPath, field); // a number, a flag: nothing to expand
    }
    Map<String, Object> next = (Map<String, Object>) nested;
    boolean list = "list".equals(next.get("object"));
    if (last) {
      // An object already expanded (or an included list) may be named again; a plain hash
      // (billing_details, invoice_settings) cannot be expanded.
      if (!next.containsKey("id") && !(list && isIncludable(object, field))) {
        throw notExpandable(fullPath, field);
      }
      return;
    }
    if (list && parts[index + 1].equals("data")) {
      // Expanding inside an embedded list (e.g. items.data.price) applies to every element.
      if (index + 2 < parts.length && next.get("data") instanceof List<?> data) {
        for (Object element : data) {
          if (element instanceof Map<?, ?> map) {
            expandPath((Map<String, Object>) map, parts, index + 2, account, shape, fullPath);
          }
        }
      }
      return;
    }
    expandPath(next, parts, index + 1, account, shape, fullPath);
  }

  static final Object NOT_INCLUDABLE = new Object();
  private static final int INCLUDED_LIST_LIMIT = 10;

  /**
   * Fields Stripe leaves out unless {@code expand[]} names them ("includable"): since 2020-08-27 a
   * customer's sources, subscriptions and tax ids; a price's or plan's tiers. Built from the stored
   * objects at render time; {@link #NOT_INCLUDABLE} for any other field.
   */
  static @Nullable Object include(Map<String, Object> object, String field, Account account) {
    String id = String.valueOf(object.get("id"));
    return switch (object.get("object") + "." + field) {
      case "customer.sources" ->
          includedList(
              "/v1/customers/" + id + "/sources",
              account.collection("cards"),
              entry -> id.equals(entry.attr("customer")),
              "source");
      // Stripe's embedded list leaves canceled subscriptions out, as its list endpoint does.
      case "customer.subscriptions" ->
          includedList(
              "/v1/customers/" + id + "/subscriptions",
              account.collection("subscriptions"),
              entry ->
                  id.equals(entry.attr("customer")) && !"canceled".equals(entry.attr("status")),
              "subscription");
      // Tax ids are not simulated: every customer has none.
      case "customer.tax_ids" ->
          includedList(
              "/v1/customers/" + id + "/tax_ids", new Collection(), entry -> false, "tax_id");
      // Tiered pricing is not simulated, so every price is per_unit and has no tiers.
      case "price.tiers", "plan.tiers" -> null;
      // Since 2022-11-15 a charge's refunds are included only when named.
      case "charge.refunds" ->
          includedList(
              "/v1/charges/" + id + "/refunds",
              account.collection("refunds"),
              entry -> id.equals(entry.attr("charge")),
              "refund");
      default -> NOT_INCLUDABLE;
    };
  }

  private static boolean isIncludable(Map<String, Object> object, String field) {
    return switch (object.get("object") + "." + field) {
      case "customer.sources",
          "customer.subscriptions",
          "customer.tax_ids",
          "price.tiers",
          "plan.tiers",
          "charge.refunds" ->
          true;
      default -> false;
    };
  }

  private static Map<String, Object> includedList(
      String url,
      Collection collection,
      java.util.function.Predicate<Entry> filter,
      String objectName) {
    Page page =
        collection.list(
            new ListQuery(INCLUDED_LIST_LIMIT, null, null, Long.MIN_VALUE, Long.MAX_VALUE),
            filter,
            objectName);
    return Lists.of(url, page);
  }

  /**
   * The object an id names: by its prefix, or, for custom ids such as a product "gold", by the
   * field's name ({@code product} → products, {@code default_price} → prices).
   */
  private static @Nullable Map<String, Object> resolve(String field, String id, Account account) {
    String type = ObjectTypes.collectionFor(id);
    if (type == null) {
      if (!ID_FIELDS.contains(field)) {
        return null; // a plain string (a status, a description): not an id of anything
      }
      type = (field.startsWith("default_") ? field.substring("default_".length()) : field) + "s";
    }
    Entry entry = account.collection(type).get(id);
    if (entry == null && account.platform() != null) {
      entry = account.platform().collection(type).get(id);
    }
    return entry == null ? null : Json.readMap(entry.json());
  }

  private static StripeError notExpandable(String path, String field) {
    return StripeError.invalid(
        null, "This property cannot be expanded (" + field + "). Path: " + path, "expand");
  }
}
