package dev.stripeedge.sim.internal.engine;

import dev.stripeedge.sim.internal.wire.Json;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.List;
import java.util.Map;
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

  static void expand(Map<String, Object> object, List<String> paths, Account account) {
    for (String path : paths) {
      expandPath(object, path.split("\\."), 0, account, path);
    }
  }

  @SuppressWarnings("unchecked")
  private static void expandPath(
      Map<String, Object> object, String[] parts, int index, Account account, String fullPath) {
    String field = parts[index];
    if (!object.containsKey(field)) {
      Object included = include(object, field, account);
      if (included == NOT_INCLUDABLE) {
        throw notExpandable(fullPath, field);
      }
      object.put(field, included);
    }
    Object value = object.get(field);
    if (value instanceof String id) {
      Map<String, Object> resolved = resolve(field, id, account);
      if (resolved == null) {
        throw notExpandable(fullPath, field);
      }
      object.put(field, resolved);
      value = resolved;
    }
    if (value instanceof List<?> ids && index + 1 == parts.length) {
      // A list of ids (a subscription's discounts) expands element by element.
      List<Object> resolved = new java.util.ArrayList<>();
      for (Object element : ids) {
        Map<String, Object> found =
            element instanceof String id && ObjectTypes.collectionFor(id) != null
                ? resolve(field, id, account)
                : null;
        resolved.add(found == null ? element : found);
      }
      object.put(field, resolved);
      return;
    }
    if (index + 1 == parts.length || value == null) {
      return;
    }
    if (value instanceof Map<?, ?> nested) {
      Map<String, Object> next = (Map<String, Object>) nested;
      if ("list".equals(next.get("object")) && parts[index + 1].equals("data")) {
        // Expanding inside an embedded list (e.g. items.data.price) applies to every element.
        if (index + 2 < parts.length && next.get("data") instanceof List<?> data) {
          for (Object element : data) {
            if (element instanceof Map<?, ?> map) {
              expandPath((Map<String, Object>) map, parts, index + 2, account, fullPath);
            }
          }
        }
        return;
      }
      expandPath(next, parts, index + 1, account, fullPath);
    } else {
      throw notExpandable(fullPath, parts[index + 1]);
    }
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
      default -> NOT_INCLUDABLE;
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
    List<Object> data = new java.util.ArrayList<>();
    for (Entry entry : page.entries()) {
      data.add(Json.readMap(entry.json()));
    }
    Map<String, Object> list = new java.util.LinkedHashMap<>();
    list.put("object", "list");
    list.put("data", data);
    list.put("has_more", page.hasMore());
    list.put("url", url);
    return list;
  }

  /**
   * The object an id names: by its prefix, or, for custom ids such as a product "gold", by the
   * field's name ({@code product} → products, {@code default_price} → prices).
   */
  private static @Nullable Map<String, Object> resolve(String field, String id, Account account) {
    String type = ObjectTypes.collectionFor(id);
    if (type == null) {
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
