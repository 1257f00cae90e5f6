package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Entry;
import dev.stripeedge.sim.internal.engine.Handler;
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
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A customer's card sources ({@code card_…}, legacy): add from a token, retrieve, update, delete,
 * list. Cards live in collection {@code cards} with attributes {@code customer} and {@code number}
 * (the test card behind it). The first card becomes the customer's {@code default_source}.
 */
final class Sources {

  static final String TYPE = "cards";
  private static final String BASE = "/v1/customers/{id}/sources";
  private static final List<String> UPDATE =
      List.of(
          "metadata",
          "name",
          "exp_month",
          "exp_year",
          "address_city",
          "address_country",
          "address_line1",
          "address_line2",
          "address_state",
          "address_zip");

  private Sources() {}

  static void register(Router router) {
    route(router, "POST", BASE, Route.Kind.WRITE, List.of("source", "metadata"), Sources::create);
    route(router, "GET", BASE + "/{source}", Route.Kind.READ, List.of(), Sources::retrieve);
    route(router, "POST", BASE + "/{source}", Route.Kind.WRITE, UPDATE, Sources::update);
    route(router, "DELETE", BASE + "/{source}", Route.Kind.WRITE, List.of(), Sources::delete);
    List<String> listParams = new ArrayList<>(ListQuery.PARAMS);
    listParams.add("object");
    route(router, "GET", BASE, Route.Kind.LIST, listParams, Sources::list);
  }

  /**
   * Adds the card a token names to {@code customer} (changing the map, not storing it): stores the
   * card, makes it the default source when there is none, emits {@code customer.source.created}.
   * Declining test cards fail with a 402, as Stripe verifies cards on attach.
   */
  static Map<String, Object> attach(
      Call call, Map<String, Object> customer, String token, String param) {
    TestCards.Card test = TestCards.token(token);
    if (test == null) {
      throw StripeError.resourceMissing("token", token, param);
    }
    if (test.outcome() instanceof TestCards.Declined d && d.onAttach()) {
      throw Charges.declineError(d);
    }
    String customerId = (String) customer.get("id");
    Map<String, Object> card = card(call, test, customerId);
    call.insert(TYPE, card, attrs(customerId, test.number()));
    if (customer.get("default_source") == null) {
      customer.put("default_source", card.get("id"));
    }
    call.emit("customer.source.created", card);
    return card;
  }

  /** A legacy card object for a test card; {@code customer} null for a card inside a charge. */
  static Map<String, Object> card(Call call, TestCards.Card test, @Nullable String customer) {
    Map<String, Object> card = new LinkedHashMap<>();
    card.put("id", call.newId("card"));
    card.put("object", "card");
    for (String field :
        List.of(
            "address_city",
            "address_country",
            "address_line1",
            "address_line1_check",
            "address_line2",
            "address_state",
            "address_zip",
            "address_zip_check")) {
      card.put(field, null);
    }
    TestCards.AddressChecks checks = TestCards.addressChecks(test);
    if (checks != null) {
      card.put("address_line1_check", checks.line1());
      card.put("address_zip_check", checks.postalCode());
    }
    card.put("allow_redisplay", "unspecified");
    card.put("brand", test.legacyBrand());
    card.put("country", test.country());
    card.put("customer", customer);
    card.put("cvc_check", "pass");
    card.put("dynamic_last4", null);
    card.put("exp_month", PaymentMethods.defaultExpMonth());
    card.put("exp_year", PaymentMethods.defaultExpYear(call));
    card.put("fingerprint", test.fingerprint());
    card.put("funding", test.funding());
    card.put("last4", test.last4());
    card.put("metadata", new LinkedHashMap<>());
    card.put("name", null);
    card.put("regulated_status", "unregulated");
    card.put("tokenization_method", null);
    return card;
  }

  /** The stored card {@code id} of {@code customerId}, or Stripe's 404. */
  static Entry require(Call call, String customerId, String id, String param) {
    Entry entry = call.collection(TYPE).get(id);
    if (entry == null || !customerId.equals(entry.attr("customer"))) {
      throw StripeError.resourceMissing("source", id, param);
    }
    return entry;
  }

  /** The test card behind a stored card. */
  static TestCards.Card testCard(Entry entry) {
    return Objects.requireNonNull(TestCards.number(Objects.requireNonNull(entry.attr("number"))));
  }

  private static Result create(Call call) {
    Map<String, Object> customer = call.load("customers", "customer", call.path("id"), "id");
    Map<String, Object> before = new LinkedHashMap<>(customer);
    Map<String, Object> card =
        attach(call, customer, call.params().requiredString("source"), "source");
    if (call.params().has("metadata")) {
      card.put("metadata", call.params().applyMetadata("metadata", new LinkedHashMap<>()));
      call.save(TYPE, card);
    }
    Customers.CRUD.saveChanged(call, before, customer, null);
    return new Result.Obj(card);
  }

  private static Result retrieve(Call call) {
    call.require("customers", "customer", call.path("id"), "id");
    return new Result.Stored(require(call, call.path("id"), call.path("source"), "id"));
  }

  private static Result update(Call call) {
    Entry entry = require(call, call.path("id"), call.path("source"), "id");
    Map<String, Object> card = call.read(entry);
    Map<String, Object> before = new LinkedHashMap<>(card);
    Params params = call.params();
    for (String field : UPDATE) {
      if (!params.has(field) || field.equals("metadata")) {
        continue;
      }
      card.put(field, field.startsWith("exp_") ? params.integer(field) : params.string(field));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) card.get("metadata");
    card.put("metadata", params.applyMetadata("metadata", metadata));
    call.save(TYPE, card);
    Map<String, Object> previous = Crud.previous(before, card);
    if (!previous.isEmpty()) {
      call.emit("customer.source.updated", card, previous);
    }
    return new Result.Obj(card);
  }

  private static Result delete(Call call) {
    String customerId = call.path("id");
    Map<String, Object> customer = call.load("customers", "customer", customerId, "id");
    Entry entry = require(call, customerId, call.path("source"), "id");
    Map<String, Object> card = call.read(entry);
    call.delete(TYPE, entry.id());
    call.emit("customer.source.deleted", card);
    if (entry.id().equals(customer.get("default_source"))) {
      Map<String, Object> before = new LinkedHashMap<>(customer);
      // Stripe promotes the most recently added remaining card.
      List<Entry> rest =
          call.collection(TYPE)
              .list(
                  new ListQuery(1, null, null, Long.MIN_VALUE, Long.MAX_VALUE),
                  e -> customerId.equals(e.attr("customer")),
                  "source")
              .entries();
      customer.put("default_source", rest.isEmpty() ? null : rest.get(0).id());
      Customers.CRUD.saveChanged(call, before, customer, null);
    }
    Map<String, Object> gone = new LinkedHashMap<>();
    gone.put("id", entry.id());
    gone.put("object", "card");
    gone.put("customer", customerId);
    gone.put("deleted", true);
    return new Result.Obj(gone);
  }

  private static Result list(Call call) {
    String customerId = call.path("id");
    call.require("customers", "customer", customerId, "id");
    String object = call.params().oneOf("object", List.of("card", "bank_account", "source"));
    ListQuery query = ListQuery.from(call.params());
    return new Result.Listing(
        "/v1/customers/" + customerId + "/sources",
        call.collection(TYPE)
            .list(
                query,
                e -> customerId.equals(e.attr("customer")) && !"bank_account".equals(object),
                "source"));
  }

  private static Map<String, String> attrs(String customer, String number) {
    return Map.of("customer", customer, "number", number);
  }

  private static void route(
      Router router,
      String method,
      String template,
      Route.Kind kind,
      List<String> params,
      Handler handler) {
    router.add(new Route(method, template, kind, Route.params(params), lockVar(method), handler));
  }

  private static @Nullable String lockVar(String method) {
    return method.equals("GET") ? null : "id";
  }
}
