package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Entry;
import dev.stripeedge.sim.internal.engine.Result;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import dev.stripeedge.sim.internal.wire.Params;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Card payment methods: create, retrieve, update, list by customer, attach, detach.
 *
 * <p>The magic ids ({@code pm_card_visa}) work wherever a payment method id is accepted: each use
 * materialises a fresh {@code pm_} object, as Stripe does. The entry attribute {@code number}
 * remembers the card number so charges know the test card's outcome.
 */
final class PaymentMethods {

  static final Crud CRUD = new Crud("payment_methods", "payment_method");
  static final String NAME = "PaymentMethod";

  private static final List<String> CREATE =
      List.of("type", "card", "billing_details", "metadata", "allow_redisplay");
  private static final List<String> UPDATE =
      List.of("billing_details", "metadata", "card", "allow_redisplay");

  private PaymentMethods() {}

  static void register(Router router) {
    CRUD.add(router, "POST", "", Route.Kind.WRITE, CREATE, null, PaymentMethods::create);
    CRUD.add(router, "GET", "/{id}", Route.Kind.READ, List.of(), null, PaymentMethods::retrieve);
    CRUD.add(router, "POST", "/{id}", Route.Kind.WRITE, UPDATE, "id", PaymentMethods::update);
    CRUD.list(
        router,
        List.of("customer", "type"),
        List.of(),
        call -> {
          // Stripe lists payment methods only per customer.
          call.require(
              "customers", "customer", call.params().requiredString("customer"), "customer");
          return entry -> true;
        });
    CRUD.add(
        router,
        "POST",
        "/{id}/attach",
        Route.Kind.WRITE,
        List.of("customer"),
        "id",
        call -> {
          String customer = call.params().requiredString("customer");
          return new Result.Obj(attach(call, call.path("id"), customer, "id"));
        });
    CRUD.add(
        router, "POST", "/{id}/detach", Route.Kind.WRITE, List.of(), "id", PaymentMethods::detach);
  }

  /**
   * The stored payment method {@code id} names, materialising a magic {@code pm_card_…} id; a 404
   * naming {@code param} otherwise.
   */
  static Entry resolve(Call call, String id, String param) {
    TestCards.Card magic = TestCards.paymentMethod(id);
    if (magic != null) {
      return materialise(call, magic, null, null, "unchecked");
    }
    return call.require(CRUD.type(), NAME, id, param);
  }

  /** The test card behind a stored payment method. */
  static TestCards.Card card(Entry entry) {
    return Objects.requireNonNull(TestCards.number(Objects.requireNonNull(entry.attr("number"))));
  }

  /**
   * Attaches a payment method to a customer and emits {@code payment_method.attached}; declining
   * cards fail as Stripe verifies them on attach. Attaching again to the same customer is a no-op.
   */
  static Map<String, Object> attach(Call call, String id, String customerId, String param) {
    call.require("customers", "customer", customerId, "customer");
    return attach(call, attachable(call, id, customerId, param), customerId);
  }

  /**
   * The payment method {@code id} names, checked to be attachable to {@code customerId} (a customer
   * being created may not be stored yet): free or already its own, and not a declining card.
   */
  static Entry attachable(Call call, String id, String customerId, String param) {
    Entry entry = resolve(call, id, param);
    Map<String, Object> pm = call.read(entry);
    Object current = pm.get("customer");
    if (current != null && !customerId.equals(current)) {
      throw StripeError.invalidState(
          "payment_method_unexpected_state",
          "The payment method you provided has already been attached to a customer.",
          param);
    }
    if (card(entry).outcome() instanceof TestCards.Declined d && d.onAttach()) {
      throw Charges.declineError(d).with("payment_method", pm);
    }
    return entry;
  }

  /** Attaches a payment method {@link #attachable} approved to the stored customer. */
  static Map<String, Object> attach(Call call, Entry entry, String customerId) {
    Map<String, Object> pm = call.read(entry);
    if (customerId.equals(pm.get("customer"))) {
      return pm;
    }
    pm.put("customer", customerId);
    call.save(CRUD.type(), pm, attrs(pm, entry));
    call.emit("payment_method.attached", pm);
    return pm;
  }

  private static Result create(Call call) {
    Params params = call.params();
    params.require("type");
    params.oneOf("type", List.of("card"));
    Params card = params.object("card");
    if (card == null) {
      throw StripeError.parameterMissing("card");
    }
    card.allowOnly(List.of("number", "exp_month", "exp_year", "cvc", "token", "networks"));
    TestCards.Card test;
    Long month = null;
    Long year = null;
    String token = card.string("token");
    if (token != null) {
      test = TestCards.token(token);
      if (test == null) {
        throw StripeError.resourceMissing("token", token, card.param("token"));
      }
    } else {
      card.require("number", "exp_month", "exp_year");
      test = TestCards.number(card.requiredString("number"));
      if (test == null) {
        throw StripeError.card("incorrect_number", null, "Your card number is incorrect.")
            .with("param", card.param("number"));
      }
      month = card.integer("exp_month");
      year = card.integer("exp_year");
      if (month < 1 || month > 12) {
        throw StripeError.card(
                "invalid_expiry_month", null, "Your card's expiration month is invalid.")
            .with("param", card.param("exp_month"));
      }
      if (year < 100) {
        year += 2000;
      }
      java.time.LocalDate today =
          java.time.Instant.ofEpochSecond(call.now())
              .atZone(java.time.ZoneOffset.UTC)
              .toLocalDate();
      if (year < today.getYear() || (year == today.getYear() && month < today.getMonthValue())) {
        // An expired card: Stripe names the year when it is past, the month within this year.
        boolean pastYear = year < today.getYear();
        throw StripeError.card(
                pastYear ? "invalid_expiry_year" : "invalid_expiry_month",
                null,
                pastYear
                    ? "Your card's expiration year is invalid."
                    : "Your card's expiration month is invalid.")
            .with("param", card.param(pastYear ? "exp_year" : "exp_month"));
      }
    }
    Entry entry =
        materialise(call, test, month, year, card.string("cvc") == null ? "unchecked" : "pass");
    Map<String, Object> pm = call.read(entry);
    apply(call, pm);
    if (params.has("allow_redisplay")) {
      pm.put(
          "allow_redisplay",
          params.oneOf("allow_redisplay", List.of("always", "limited", "unspecified")));
    }
    call.save(CRUD.type(), pm);
    return new Result.Obj(pm);
  }

  private static Result retrieve(Call call) {
    String id = call.path("id");
    if (TestCards.paymentMethod(id) == null) {
      return new Result.Stored(call.require(CRUD.type(), NAME, id, "id"));
    }
    // A magic id stores a new object, and a GET does not get the write lock from the engine.
    ReentrantLock lock = call.account().writeLock();
    lock.lock();
    try {
      return new Result.Stored(resolve(call, id, "id"));
    } finally {
      lock.unlock();
    }
  }

  private static Result update(Call call) {
    Entry entry = call.require(CRUD.type(), NAME, call.path("id"), "id");
    Map<String, Object> pm = call.read(entry);
    if (pm.get("customer") == null) {
      throw StripeError.invalidState(
          "payment_method_unexpected_state",
          "You must save this PaymentMethod to a customer before you can update it.",
          null);
    }
    Map<String, Object> before = new LinkedHashMap<>(pm);
    apply(call, pm);
    Params card = call.params().object("card");
    if (card != null) {
      card.allowOnly(List.of("exp_month", "exp_year", "networks"));
      @SuppressWarnings("unchecked")
      Map<String, Object> details = new LinkedHashMap<>((Map<String, Object>) pm.get("card"));
      if (card.has("exp_month")) {
        details.put("exp_month", card.integer("exp_month"));
      }
      if (card.has("exp_year")) {
        details.put("exp_year", card.integer("exp_year"));
      }
      pm.put("card", details);
    }
    if (call.params().has("allow_redisplay")) {
      pm.put(
          "allow_redisplay",
          call.params().oneOf("allow_redisplay", List.of("always", "limited", "unspecified")));
    }
    CRUD.saveChanged(call, before, pm, null);
    return new Result.Obj(pm);
  }

  private static Result detach(Call call) {
    Entry entry = call.require(CRUD.type(), NAME, call.path("id"), "id");
    Map<String, Object> pm = call.read(entry);
    if (pm.get("customer") == null) {
      throw StripeError.invalidState(
          "payment_method_unexpected_state",
          "The payment method you provided is not attached to a customer so detachment is impossible.",
          null);
    }
    pm.put("customer", null);
    call.save(CRUD.type(), pm, attrs(pm, entry));
    call.emit("payment_method.detached", pm);
    return new Result.Obj(pm);
  }

  /** Detaches every payment method of {@code customerId}, as deleting the customer does. */
  static void detachAllOf(Call call, String customerId) {
    for (Entry entry :
        call.collection(CRUD.type()).matching(e -> customerId.equals(e.attr("customer")))) {
      Map<String, Object> pm = call.read(entry);
      pm.put("customer", null);
      call.save(CRUD.type(), pm, attrs(pm, entry));
      call.emit("payment_method.detached", pm);
    }
  }

  private static void apply(Call call, Map<String, Object> pm) {
    Params params = call.params();
    if (params.has("billing_details")) {
      pm.put("billing_details", billingDetails(params.object("billing_details")));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) pm.get("metadata");
    pm.put("metadata", params.applyMetadata("metadata", metadata));
  }

  /** Stripe's {@code billing_details} hash, every field present. */
  static Map<String, Object> billingDetails(@Nullable Params params) {
    Map<String, Object> details = new LinkedHashMap<>();
    if (params != null) {
      params.allowOnly(List.of("address", "email", "name", "phone", "tax_id"));
    }
    Map<String, Object> address =
        params == null ? null : Addresses.address(params.object("address"));
    details.put("address", address == null ? Addresses.address(Params.empty()) : address);
    for (String field : List.of("email", "name", "phone", "tax_id")) {
      details.put(field, params == null ? null : params.string(field));
    }
    return details;
  }

  private static Entry materialise(
      Call call, TestCards.Card test, @Nullable Long month, @Nullable Long year, String cvcCheck) {
    Map<String, Object> pm = call.newObject("pm", "payment_method");
    pm.put("allow_redisplay", "unspecified");
    pm.put("billing_details", billingDetails(null));
    Map<String, Object> card = new LinkedHashMap<>();
    card.put("brand", test.brand());
    card.put("checks", checks(cvcCheck, test));
    card.put("country", test.country());
    card.put("display_brand", test.brand());
    card.put("exp_month", month == null ? defaultExpMonth() : month);
    card.put("exp_year", year == null ? defaultExpYear(call) : year);
    card.put("fingerprint", test.fingerprint());
    card.put("funding", test.funding());
    card.put("generated_from", null);
    card.put("last4", test.last4());
    card.put("networks", networks(test));
    card.put("regulated_status", "unregulated");
    card.put("three_d_secure_usage", Map.of("supported", true));
    card.put("wallet", null);
    pm.put("card", card);
    pm.put("customer", null);
    pm.put("customer_account", null);
    pm.put("metadata", new LinkedHashMap<>());
    pm.put("type", "card");
    return call.insert(CRUD.type(), pm, attrs(pm, test.number()));
  }

  private static Map<String, Object> networks(TestCards.Card test) {
    Map<String, Object> networks = new LinkedHashMap<>();
    networks.put("available", List.of(test.brand()));
    networks.put("preferred", null);
    return networks;
  }

  /** A card's checks: the CVC's as given, the address's as an AVS test card reports them. */
  static Map<String, Object> checks(String cvcCheck, TestCards.Card test) {
    TestCards.AddressChecks address = TestCards.addressChecks(test);
    Map<String, Object> checks = new LinkedHashMap<>();
    checks.put("address_line1_check", address == null ? null : address.line1());
    checks.put("address_postal_code_check", address == null ? null : address.postalCode());
    checks.put("cvc_check", cvcCheck);
    return checks;
  }

  static long defaultExpMonth() {
    return 12L;
  }

  static long defaultExpYear(Call call) {
    return Instant.ofEpochSecond(call.now()).atZone(ZoneOffset.UTC).getYear() + 1L;
  }

  private static Map<String, String> attrs(Map<String, Object> pm, Entry entry) {
    return attrs(pm, Objects.requireNonNull(entry.attr("number")));
  }

  private static Map<String, String> attrs(Map<String, Object> pm, String number) {
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("type", "card");
    attrs.put("number", number);
    Object customer = pm.get("customer");
    if (customer != null) {
      attrs.put("customer", (String) customer);
    }
    return attrs;
  }
}
