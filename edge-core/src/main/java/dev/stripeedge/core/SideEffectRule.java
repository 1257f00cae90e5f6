package dev.stripeedge.core;

import dev.stripeedge.core.internal.FormCodec;
import dev.stripeedge.core.internal.JsonTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What a write through the edge may have changed, so the cache can drop it before anyone reads it:
 * a pure function of the route, the request's parameters and Stripe's answer.
 *
 * <p>Stripe's writes change objects they do not name: a refund changes its charge and
 * PaymentIntent, paying an invoice its PaymentIntent, charge and subscription, deleting a customer
 * its subscriptions and payment methods. Every write drops the objects in its path, the objects its
 * answer contains and the lists of its collection; {@link #TABLE} adds, per route, the objects its
 * parameters and answer refer to, the entries that refer to an object it changed, and the lists
 * whose members it creates or removes. A write route not in the table drops everything its request
 * and answer refer to. docs/edge.md shows the table (a test keeps the two equal).
 *
 * <p>Which answers count: a write Stripe refused without touching anything (400, 401, 403, 404,
 * 429) drops nothing, so nobody can evict another tenant's entries with a bad key. A 2xx drops from
 * its answer; a 402, 409, 5xx or no answer at all may still have been applied (a declined confirm
 * changes the PaymentIntent), so it drops what the request names.
 *
 * <p>Thread-safe, allocation only; never throws for any input.
 */
public final class SideEffectRule {

  // Over 400 lines because of TABLE: about 310 lines of per-route data; the code itself is ~250.

  /**
   * One row of the table.
   *
   * @param method {@code POST} or {@code DELETE}
   * @param template a route template; {@code *} stands for one path word ({@code
   *     /v1/invoices/{id}/*} is every invoice action)
   * @param objects fields of the request or answer whose object ids the write changes ({@code
   *     a.b.c} reaches into the answer)
   * @param dependentsOf {@code path} or fields: objects whose referrers are dropped too
   * @param lists collections whose members the write may create or remove
   * @param why for the table in the documentation
   */
  public record Row(
      String method,
      String template,
      List<String> objects,
      List<String> dependentsOf,
      List<String> lists,
      String why) {

    public Row {
      objects = List.copyOf(objects);
      dependentsOf = List.copyOf(dependentsOf);
      lists = List.copyOf(lists);
    }

    boolean matches(String method, String template) {
      if (!this.method.equals(method)) {
        return false;
      }
      if (!this.template.endsWith("/*")) {
        return this.template.equals(template);
      }
      String base = this.template.substring(0, this.template.length() - 1);
      return template.startsWith(base) && template.indexOf('/', base.length()) < 0;
    }
  }

  /** Where {@code dependentsOf} names the object the path ends at (a source, not its customer). */
  public static final String PATH = "path";

  private static final List<String> PAYMENT_OBJECTS =
      List.of("customer", "payment_method", "latest_charge", "charge", "invoice");

  /** The table: one row per write route whose effects reach beyond its own object. */
  public static final List<Row> TABLE =
      List.of(
          new Row(
              "POST",
              "/v1/refunds",
              List.of("charge", "payment_intent"),
              List.of(),
              List.of(),
              "a refund changes its charge (`refunded`, `amount_refunded`, `refunds`) and its"
                  + " PaymentIntent"),
          new Row(
              "POST",
              "/v1/refunds/{id}/cancel",
              List.of("charge", "payment_intent"),
              List.of(),
              List.of(),
              "cancelling a refund restores its charge's refunded amount"),
          new Row(
              "POST",
              "/v1/charges",
              List.of("customer", "payment_intent", "invoice"),
              List.of(),
              List.of(),
              "a charge with a customer's source may change the customer's default source"),
          new Row(
              "POST",
              "/v1/charges/{id}/capture",
              List.of("payment_intent", "invoice"),
              List.of(),
              List.of(),
              "capturing a charge captures its PaymentIntent"),
          new Row(
              "POST",
              "/v1/charges/{id}/refunds",
              List.of("payment_intent"),
              List.of(),
              List.of("/v1/refunds"),
              "a refund by charge changes the charge's PaymentIntent"),
          new Row(
              "POST",
              "/v1/charges/{id}/refund",
              List.of("payment_intent"),
              List.of(),
              List.of("/v1/refunds"),
              "the legacy refund creates a refund object"),
          new Row(
              "POST",
              "/v1/payment_intents",
              PAYMENT_OBJECTS,
              List.of(),
              List.of("/v1/charges", "/v1/payment_methods"),
              "`confirm=true` creates a charge and may attach the payment method to the customer"),
          new Row(
              "POST",
              "/v1/payment_intents/{id}/*",
              PAYMENT_OBJECTS,
              List.of("invoice", PATH),
              List.of("/v1/charges", "/v1/payment_methods"),
              "confirm, capture, cancel, increment_authorization… change the latest charge and may"
                  + " create one, attach the payment method, and pay the invoice that refers to the"
                  + " PaymentIntent (so its subscription)"),
          new Row(
              "POST",
              "/v1/setup_intents",
              List.of("customer", "payment_method"),
              List.of(),
              List.of("/v1/payment_methods"),
              "`confirm=true` attaches the payment method to the customer"),
          new Row(
              "POST",
              "/v1/setup_intents/{id}/*",
              List.of("customer", "payment_method"),
              List.of(),
              List.of("/v1/payment_methods"),
              "confirm and verify attach the payment method to the customer"),
          new Row(
              "POST",
              "/v1/invoices",
              List.of("customer", "subscription"),
              List.of(),
              List.of("/v1/invoiceitems"),
              "a new invoice takes the customer's pending invoice items"),
          new Row(
              "POST",
              "/v1/invoices/{id}/*",
              List.of(
                  "customer",
                  "subscription",
                  "parent.subscription_details.subscription",
                  "payment_intent",
                  "charge"),
              List.of(PATH),
              List.of("/v1/charges", "/v1/payment_intents"),
              "finalize creates the PaymentIntent; pay, void and mark_uncollectible change it, its"
                  + " charge and the subscription whose `latest_invoice` it is"),
          new Row(
              "DELETE",
              "/v1/invoices/{id}",
              List.of(),
              List.of(PATH),
              List.of("/v1/invoiceitems"),
              "deleting a draft frees its invoice items"),
          new Row(
              "POST",
              "/v1/invoiceitems",
              List.of("invoice", "customer", "subscription"),
              List.of(),
              List.of(),
              "an item added to a draft invoice changes its lines and totals"),
          new Row(
              "POST",
              "/v1/invoiceitems/{id}",
              List.of("invoice", "customer", "subscription"),
              List.of(),
              List.of(),
              "an item changed on a draft invoice changes its totals"),
          new Row(
              "DELETE",
              "/v1/invoiceitems/{id}",
              List.of(),
              List.of(PATH),
              List.of("/v1/invoices"),
              "an item removed from a draft invoice changes its totals"),
          new Row(
              "POST",
              "/v1/subscriptions",
              List.of("customer", "latest_invoice", "default_payment_method"),
              List.of(),
              List.of(
                  "/v1/invoices", "/v1/payment_intents", "/v1/charges", "/v1/subscription_items"),
              "a subscription creates its first invoice, PaymentIntent and charge, and sets the"
                  + " customer's currency"),
          new Row(
              "POST",
              "/v1/subscriptions/{id}",
              List.of("customer", "latest_invoice", "default_payment_method"),
              List.of(),
              List.of(
                  "/v1/invoices",
                  "/v1/invoiceitems",
                  "/v1/payment_intents",
                  "/v1/charges",
                  "/v1/subscription_items"),
              "an update may invoice prorations now and change its items"),
          new Row(
              "DELETE",
              "/v1/subscriptions/{id}",
              List.of("customer", "latest_invoice"),
              List.of(),
              List.of("/v1/invoices", "/v1/invoiceitems", "/v1/subscription_items"),
              "cancelling may invoice now and changes the customer's subscriptions"),
          new Row(
              "POST",
              "/v1/subscriptions/{id}/*",
              List.of("customer", "latest_invoice"),
              List.of(),
              List.of("/v1/invoices", "/v1/payment_intents", "/v1/charges"),
              "resume invoices the customer"),
          new Row(
              "POST",
              "/v1/subscription_items",
              List.of("subscription"),
              List.of(),
              List.of("/v1/invoices", "/v1/invoiceitems"),
              "an item changes its subscription and may invoice prorations"),
          new Row(
              "POST",
              "/v1/subscription_items/{id}",
              List.of("subscription"),
              List.of(),
              List.of("/v1/invoices", "/v1/invoiceitems"),
              "an item changes its subscription and may invoice prorations"),
          new Row(
              "DELETE",
              "/v1/subscription_items/{id}",
              List.of("subscription"),
              List.of(),
              List.of("/v1/invoices", "/v1/invoiceitems"),
              "the subscription that listed the item contains its id, so it is dropped with it"),
          new Row(
              "POST",
              "/v1/subscription_schedules",
              List.of("customer", "subscription"),
              List.of(),
              List.of("/v1/subscriptions", "/v1/invoices"),
              "a schedule may start a subscription"),
          new Row(
              "POST",
              "/v1/subscription_schedules/{id}",
              List.of("customer", "subscription"),
              List.of(),
              List.of("/v1/subscriptions", "/v1/invoices"),
              "a schedule's phases change its subscription"),
          new Row(
              "POST",
              "/v1/subscription_schedules/{id}/*",
              List.of("customer", "subscription", "released_subscription"),
              List.of(),
              List.of("/v1/subscriptions", "/v1/invoices"),
              "cancel and release change the subscription"),
          new Row(
              "POST",
              "/v1/payment_methods/{id}/attach",
              List.of("customer"),
              List.of(),
              List.of(),
              "the customer's payment method lists gain it"),
          new Row(
              "POST",
              "/v1/payment_methods/{id}/detach",
              List.of("customer"),
              List.of(PATH),
              List.of(),
              "the customer's lists lose it and a customer or subscription whose default it was"
                  + " loses that default"),
          new Row(
              "POST",
              "/v1/customers",
              List.of("payment_method", "default_source"),
              List.of(),
              List.of("/v1/payment_methods"),
              "`payment_method` attaches it to the new customer"),
          new Row(
              "DELETE",
              "/v1/customers/{id}",
              List.of(),
              List.of(PATH),
              List.of("/v1/payment_methods", "/v1/subscriptions", "/v1/invoices"),
              "deleting a customer cancels its subscriptions and detaches its payment methods and"
                  + " sources"),
          new Row(
              "DELETE",
              "/v1/customers/{id}/sources/{id2}",
              List.of(),
              List.of(PATH),
              List.of(),
              "the customer whose default source it was loses it (the customer is in the path)"),
          new Row(
              "POST",
              "/v1/customers/{id}/sources",
              List.of(),
              List.of(),
              List.of(),
              "the customer (in the path) may get a default source"),
          new Row(
              "POST",
              "/v1/transfers",
              List.of("source_transaction", "destination_payment"),
              List.of(),
              List.of(),
              "a transfer from a charge sets the charge's `transfer`"),
          new Row(
              "POST",
              "/v1/transfers/{id}/reversals",
              List.of("destination_payment_refund"),
              List.of(),
              List.of(),
              "a reversal changes its transfer (in the path)"),
          new Row(
              "POST",
              "/v1/disputes/{id}",
              List.of("charge", "payment_intent"),
              List.of(),
              List.of(),
              "evidence changes the dispute its charge contains"),
          new Row(
              "POST",
              "/v1/disputes/{id}/close",
              List.of("charge", "payment_intent"),
              List.of(),
              List.of(),
              "closing a dispute changes its charge"),
          new Row(
              "POST",
              "/v1/checkout/sessions",
              List.of("customer"),
              List.of(),
              List.of(),
              "a session for a customer shows in the customer's sessions"),
          new Row(
              "POST",
              "/v1/checkout/sessions/{id}/expire",
              List.of("customer", "payment_intent", "setup_intent", "subscription", "invoice"),
              List.of(),
              List.of(),
              "expiring a session cancels its PaymentIntent"),
          ownOnly("POST", "/v1/customers/{id}"),
          ownOnly("POST", "/v1/charges/{id}"),
          ownOnly("POST", "/v1/payment_intents/{id}"),
          ownOnly("POST", "/v1/setup_intents/{id}"),
          ownOnly("POST", "/v1/refunds/{id}"),
          ownOnly("POST", "/v1/payment_methods"),
          ownOnly("POST", "/v1/payment_methods/{id}"),
          ownOnly("POST", "/v1/products"),
          ownOnly("POST", "/v1/products/{id}"),
          ownOnly("DELETE", "/v1/products/{id}"),
          ownOnly("POST", "/v1/prices"),
          ownOnly("POST", "/v1/prices/{id}"),
          ownOnly("POST", "/v1/plans"),
          ownOnly("POST", "/v1/plans/{id}"),
          ownOnly("DELETE", "/v1/plans/{id}"),
          ownOnly("POST", "/v1/coupons"),
          ownOnly("POST", "/v1/coupons/{id}"),
          ownOnly("DELETE", "/v1/coupons/{id}"),
          ownOnly("POST", "/v1/tax_rates"),
          ownOnly("POST", "/v1/tax_rates/{id}"),
          ownOnly("POST", "/v1/webhook_endpoints"),
          ownOnly("POST", "/v1/webhook_endpoints/{id}"),
          ownOnly("DELETE", "/v1/webhook_endpoints/{id}"));

  /**
   * Fields whose string values are Stripe object ids that answers refer to: the cache indexes an
   * answer under {@link Dependency.References} of each, at any depth.
   */
  public static final Set<String> REFERENCE_FIELDS =
      Set.of(
          "customer",
          "charge",
          "latest_charge",
          "payment_intent",
          "invoice",
          "latest_invoice",
          "subscription",
          "payment_method",
          "default_payment_method",
          "default_source",
          "setup_intent");

  // What a reference field holds: an id Stripe made.
  private static final Pattern OBJECT_ID = Pattern.compile("[A-Za-z0-9_]+");

  // A Stripe id as an unknown write route might carry it: prefix_ then a random tail.
  private static final Pattern STRIPE_ID = Pattern.compile("[a-z]+(?:_[a-z]+)*_[A-Za-z0-9]{6,}");

  private SideEffectRule() {}

  /** The table's row for a write route, or null when it has none. */
  public static @Nullable Row rowFor(String method, Route route) {
    for (Row row : TABLE) {
      if (row.matches(method, route.template())) {
        return row;
      }
    }
    return null;
  }

  /**
   * What {@code method} on {@code route} may have changed.
   *
   * @param requestBody the form-encoded request body (empty for none)
   * @param status Stripe's status, or 0 when no answer came (a timeout, a lost connection)
   * @param responseBody Stripe's answer (empty when none)
   * @return the dependencies to invalidate, in order; empty for reads and refused writes
   */
  public static Set<Dependency> affected(
      String method, Route route, byte[] requestBody, int status, byte[] responseBody) {
    Set<Dependency> affected = new LinkedHashSet<>();
    if (method.equals("GET") || method.equals("HEAD") || refusedUntouched(status)) {
      return affected;
    }
    for (String id : route.pathIds()) {
      affected.add(new Dependency.Contains(id));
    }
    Map<String, @Nullable Object> answer = answer(status, responseBody);
    if (status >= 200 && status < 300 || status == 402) {
      collectContained(answer, affected);
    }
    Map<String, List<String>> params = params(requestBody);
    Row row = rowFor(method, route);
    if (row == null) {
      // Unknown: everything the request or the answer refers to, and the collection's lists.
      params.forEach((name, values) -> values.forEach(v -> addIfId(name, v, affected)));
      answer.forEach(
          (name, value) -> {
            if (value instanceof String s) {
              addIfId(name, s, affected);
            }
          });
    } else {
      for (String field : row.objects()) {
        for (String id : values(field, params, answer)) {
          affected.add(new Dependency.Contains(id));
        }
      }
      for (String of : row.dependentsOf()) {
        List<String> ids = of.equals(PATH) ? pathObject(route) : values(of, params, answer);
        for (String id : ids) {
          affected.add(new Dependency.References(id));
        }
      }
      for (String list : row.lists()) {
        affected.add(new Dependency.ListOf(list));
      }
    }
    affected.add(new Dependency.ListOf(route.collectionPath()));
    return affected;
  }

  private static List<String> pathObject(Route route) {
    String id = route.objectId();
    return id == null ? List.of() : List.of(id);
  }

  /**
   * What an event drops besides the objects it contains: like the write that caused it, a deletion
   * or a detach (made in the Dashboard, say) also drops the answers that refer to the object.
   */
  public static Set<Dependency> ofEvent(String type, String objectId) {
    return type.endsWith(".deleted") || type.equals("payment_method.detached")
        ? Set.of(new Dependency.References(objectId))
        : Set.of();
  }

  /** The request's form parameters by decoded name, as Stripe reads them. */
  private static Map<String, List<String>> params(byte[] body) {
    Map<String, List<String>> params = new LinkedHashMap<>();
    for (FormCodec.Pair pair : FormCodec.decode(new String(body, StandardCharsets.UTF_8))) {
      params.computeIfAbsent(pair.name(), k -> new ArrayList<>(1)).add(pair.value());
    }
    return params;
  }

  /** Stripe turned the write away before it touched any object. */
  private static boolean refusedUntouched(int status) {
    return status == 400 || status == 401 || status == 403 || status == 404 || status == 429;
  }

  /** The object answered; for a card error, the error (it names the charge and PaymentIntent). */
  private static Map<String, @Nullable Object> answer(int status, byte[] body) {
    if (body.length == 0 || status == 0 || (status >= 300 && status != 402)) {
      return Map.of();
    }
    try {
      if (JsonTree.parse(body) instanceof Map<?, ?> map) {
        Object root = status == 402 ? map.get("error") : map;
        if (root instanceof Map<?, ?> object) {
          Map<String, @Nullable Object> fields = new LinkedHashMap<>();
          object.forEach((k, v) -> fields.put(String.valueOf(k), v));
          return fields;
        }
      }
    } catch (IOException e) {
      // Not JSON: nothing can be read from it.
    }
    return Map.of();
  }

  /** Every {@code "id"} at any depth: the objects the answer shows. */
  private static void collectContained(@Nullable Object value, Set<Dependency> into) {
    if (value instanceof Map<?, ?> map) {
      if (map.get("id") instanceof String id) {
        into.add(new Dependency.Contains(id));
      }
      map.values().forEach(v -> collectContained(v, into));
    } else if (value instanceof List<?> list) {
      list.forEach(v -> collectContained(v, into));
    }
  }

  /** The ids {@code field} holds in the request and in the answer (as an id or expanded). */
  private static List<String> values(
      String field, Map<String, List<String>> params, Map<String, @Nullable Object> answer) {
    List<String> ids = new ArrayList<>(params.getOrDefault(field, List.of()));
    // A dotted field reaches into the answer (API versions from 2025-03-31 moved an invoice's
    // subscription to parent.subscription_details.subscription).
    Object value = answer.get(field);
    if (value == null && field.contains(".")) {
      Object node = answer;
      for (String step : field.split("\\.")) {
        node = node instanceof Map<?, ?> map ? map.get(step) : null;
      }
      value = node;
    }
    if (value instanceof String s) {
      ids.add(s);
    } else if (value instanceof Map<?, ?> expanded && expanded.get("id") instanceof String id) {
      ids.add(id);
    }
    // Objects these fields name have Stripe's ids; anything else (a broken escape) names none.
    ids.removeIf(id -> !OBJECT_ID.matcher(id).matches());
    return ids;
  }

  private static void addIfId(String field, String value, Set<Dependency> into) {
    String base = field.contains("[") ? field.substring(0, field.indexOf('[')) : field;
    if (REFERENCE_FIELDS.contains(base) && OBJECT_ID.matcher(value).matches()
        || STRIPE_ID.matcher(value).matches()) {
      into.add(new Dependency.Contains(value));
    }
  }

  /** A write that changes only its own object (and its collection's lists). */
  private static Row ownOnly(String method, String template) {
    return new Row(
        method, template, List.of(), List.of(), List.of(), "changes only its own object");
  }

  /** The table as Markdown, as docs/edge.md shows it. */
  public static String markdownTable() {
    StringBuilder table =
        new StringBuilder(
            "| write | also drops these objects | and what refers to | and lists of | why |\n"
                + "|---|---|---|---|---|\n");
    for (Row row : TABLE) {
      table
          .append("| `")
          .append(row.method())
          .append(' ')
          .append(row.template())
          .append("` | ")
          .append(codes(row.objects()))
          .append(" | ")
          .append(codes(row.dependentsOf()))
          .append(" | ")
          .append(codes(row.lists()))
          .append(" | ")
          .append(row.why())
          .append(" |\n");
    }
    return table.toString();
  }

  private static String codes(List<String> words) {
    if (words.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (String word : words) {
      out.append(out.isEmpty() ? "" : ", ").append('`').append(word).append('`');
    }
    return out.toString();
  }
}
