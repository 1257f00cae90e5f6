package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Entry;
import dev.stripeedge.sim.internal.engine.Result;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import dev.stripeedge.sim.internal.wire.Params;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Charges: create (legacy {@code source}/{@code customer} flow), retrieve, update, capture, list,
 * search; and the charge every PaymentIntent confirmation makes.
 *
 * <p>A declined card stores a {@code failed} charge and emits {@code charge.failed} before the 402,
 * as Stripe does. Entry attributes: {@code customer}, {@code payment_intent}.
 */
final class Charges {

  // Over 400 lines: one Stripe resource's whole surface (routes, validation, captures, refunds,
  // disputes, events).

  static final Crud CRUD = new Crud("charges", "charge");
  private static final long MAX_AMOUNT = 99_999_999L;
  private static final List<String> CREATE =
      List.of(
          "amount",
          "currency",
          "customer",
          "source",
          "capture",
          "description",
          "metadata",
          "receipt_email",
          "shipping",
          "statement_descriptor",
          "statement_descriptor_suffix",
          "transfer_group");
  private static final List<String> UPDATE =
      List.of(
          "customer",
          "description",
          "fraud_details",
          "metadata",
          "receipt_email",
          "shipping",
          "transfer_group");
  private static final List<String> CAPTURE =
      List.of(
          "amount",
          "application_fee_amount",
          "receipt_email",
          "statement_descriptor",
          "statement_descriptor_suffix",
          "transfer_group");

  private Charges() {}

  static void register(Router router) {
    CRUD.add(router, "POST", "", Route.Kind.PAYMENT, CREATE, null, Charges::create);
    CRUD.retrieve(router);
    CRUD.add(router, "POST", "/{id}", Route.Kind.WRITE, UPDATE, "id", Charges::update);
    CRUD.add(router, "POST", "/{id}/capture", Route.Kind.PAYMENT, CAPTURE, "id", Charges::capture);
    CRUD.list(router, List.of("customer", "payment_intent", "transfer_group"));
    Search.register(
        router,
        CRUD,
        List.of(
            "amount", "currency", "customer", "disputed", "payment_intent", "refunded", "status"));
  }

  /** The 402 a declined test card gives, without the ids the caller adds. */
  static StripeError declineError(TestCards.Declined decline) {
    StripeError error = StripeError.card(decline.code(), decline.declineCode(), decline.message());
    if (decline.adviceCode() != null) {
      error.with("advice_code", decline.adviceCode());
    }
    if (decline.networkDeclineCode() != null) {
      error.with("network_decline_code", decline.networkDeclineCode());
    }
    return decline.param() == null ? error : error.with("param", decline.param());
  }

  /**
   * The decline Stripe gives when a card needing 3D Secure is charged without a customer present.
   */
  static TestCards.Declined authenticationRequired() {
    return new TestCards.Declined(
        "card_declined",
        "authentication_required",
        "Your card was declined. This transaction requires authentication.",
        null,
        false,
        false);
  }

  /**
   * Validates an amount as Stripe does for charges: at least 50 units, at most 99,999,999.
   *
   * @param param the parameter to name in the error
   */
  static long amount(Params params, String param, String currency) {
    long amount = params.requiredInteger(param);
    if (amount < 50) {
      throw StripeError.invalid(
          "amount_too_small",
          "Amount must be at least " + money(50, currency) + " " + currency,
          param);
    }
    if (amount > MAX_AMOUNT) {
      throw StripeError.invalid(
          "amount_too_large", "Amount must be no more than " + money(MAX_AMOUNT, currency), param);
    }
    return amount;
  }

  /** A lowercase three-letter currency, or Stripe's 400. */
  static String currency(Params params) {
    String currency = params.requiredString("currency").toLowerCase(Locale.ROOT);
    if (!currency.matches("[a-z]{3}")) {
      throw StripeError.invalid(
          null, "Invalid currency: " + currency + ".", params.param("currency"));
    }
    return currency;
  }

  /** An amount in Stripe's message style: {@code $1.50} for usd, {@code 1.50 EUR} otherwise. */
  static String money(long amount, String currency) {
    String value = String.format(Locale.ROOT, "%d.%02d", amount / 100, amount % 100);
    if (currency.equals("usd")) {
      return "$" + String.format(Locale.ROOT, "%,d.%02d", amount / 100, amount % 100);
    }
    return value + " " + currency.toUpperCase(Locale.ROOT);
  }

  /**
   * Builds (does not store) a charge of {@code test} for {@code amount}: succeeded, or failed when
   * {@code decline} is given.
   *
   * @param instrument the payment method or card object charged
   * @param source the legacy card object for {@code source} charges, else null
   */
  static Map<String, Object> build(
      Call call,
      long amount,
      String currency,
      @Nullable String customer,
      Map<String, Object> instrument,
      @Nullable Map<String, Object> source,
      TestCards.Card test,
      boolean capture,
      TestCards.@Nullable Declined decline) {
    Map<String, Object> charge = call.newObject("ch", "charge");
    boolean ok = decline == null;
    charge.put("amount", amount);
    charge.put("amount_captured", ok && capture ? amount : 0L);
    charge.put("amount_refunded", 0L);
    charge.put("application", null);
    charge.put("application_fee", null);
    charge.put("application_fee_amount", null);
    charge.put(
        "balance_transaction",
        ok && capture
            ? BalanceTransactions.charge(call, (String) charge.get("id"), amount, currency)
            : null);
    Object billing = instrument.get("billing_details");
    charge.put("billing_details", billing != null ? billing : PaymentMethods.billingDetails(null));
    charge.put("calculated_statement_descriptor", "STRIPE-SIM");
    charge.put("captured", ok && capture);
    charge.put("currency", currency);
    charge.put("customer", customer);
    charge.put("description", null);
    charge.put("disputed", false);
    charge.put("failure_balance_transaction", null);
    charge.put("failure_code", ok ? null : decline.code());
    charge.put("failure_message", ok ? null : decline.message());
    charge.put("fraud_details", new LinkedHashMap<>());
    charge.put("metadata", new LinkedHashMap<>());
    charge.put("on_behalf_of", null);
    charge.put("outcome", outcome(test, decline));
    charge.put("paid", ok);
    charge.put("payment_intent", null);
    charge.put("payment_method", instrument.get("id"));
    charge.put("payment_method_details", details(test, instrument, amount, ok));
    charge.put("receipt_email", null);
    charge.put("receipt_number", null);
    charge.put("receipt_url", "https://pay.stripe.com/receipts/sim/" + charge.get("id"));
    charge.put("refunded", false);
    charge.put("review", null);
    charge.put("shipping", null);
    charge.put("source", source);
    charge.put("source_transfer", null);
    charge.put("statement_descriptor", null);
    charge.put("statement_descriptor_suffix", null);
    charge.put("status", ok ? "succeeded" : "failed");
    charge.put("transfer_data", null);
    charge.put("transfer_group", null);
    return charge;
  }

  /** Stores a built charge and emits {@code charge.succeeded} or {@code charge.failed}. */
  static void store(Call call, Map<String, Object> charge) {
    call.insert(CRUD.type(), charge, attrs(charge));
    call.emit("failed".equals(charge.get("status")) ? "charge.failed" : "charge.succeeded", charge);
    Disputes.openIfDisputeCard(call, charge);
  }

  /** Saves a changed charge, keeping its filter attributes in step. */
  static void save(Call call, Map<String, Object> charge) {
    call.save(CRUD.type(), charge, attrs(charge));
  }

  /**
   * Captures an authorised charge for {@code amount} (its full amount when null), stores it and
   * emits {@code charge.captured}.
   */
  static Map<String, Object> capture(Call call, Map<String, Object> charge, @Nullable Long amount) {
    String id = (String) charge.get("id");
    if (Boolean.TRUE.equals(charge.get("captured"))) {
      throw StripeError.invalidState(
          "charge_already_captured", "Charge " + id + " has already been captured.", null);
    }
    if (!"succeeded".equals(charge.get("status"))) {
      throw StripeError.invalidState(
          "charge_expired_for_capture",
          "Charge "
              + id
              + " cannot be captured because it has a status of "
              + charge.get("status")
              + ".",
          null);
    }
    long authorized = ((Number) charge.get("amount")).longValue();
    long captured = amount == null ? authorized : amount;
    if (captured > authorized) {
      throw StripeError.invalidState(
          "amount_too_large",
          "You cannot capture more than the authorized amount of "
              + money(authorized, (String) charge.get("currency"))
              + ".",
          "amount");
    }
    charge.put("amount_captured", captured);
    charge.put("captured", true);
    charge.put(
        "balance_transaction",
        BalanceTransactions.charge(call, id, captured, (String) charge.get("currency")));
    save(call, charge);
    call.emit("charge.captured", charge);
    Disputes.openIfDisputeCard(call, charge);
    return charge;
  }

  private static Result create(Call call) {
    Params params = call.params();
    String currency = currency(params);
    long amount = amount(params, "amount", currency);
    String customerId = params.string("customer");
    Map<String, Object> customer =
        customerId == null ? null : call.load("customers", "customer", customerId, "customer");
    String sourceId = params.string("source");
    if (sourceId == null && customer != null) {
      sourceId = (String) customer.get("default_source");
      if (sourceId == null) {
        throw StripeError.card("missing", null, "Cannot charge a customer that has no active card")
            .with("param", "card");
      }
    }
    if (sourceId == null) {
      throw StripeError.invalid("parameter_missing", "Must provide source or customer.", "source");
    }
    TestCards.Card test;
    Map<String, Object> card;
    if (customerId != null) {
      Entry entry = call.collection(Sources.TYPE).get(sourceId);
      if (entry == null || !customerId.equals(entry.attr("customer"))) {
        throw StripeError.invalidState(
            "missing",
            "Customer " + customerId + " does not have a linked source with ID " + sourceId + ".",
            "source");
      }
      test = Sources.testCard(entry);
      card = call.read(entry);
    } else {
      test = TestCards.token(sourceId);
      if (test == null) {
        throw StripeError.resourceMissing("source", sourceId, "source");
      }
      card = Sources.card(call, test, null);
    }
    TestCards.Declined decline =
        switch (test.outcome()) {
          case TestCards.Declined d -> d;
          case TestCards.RequiresAction r -> authenticationRequired();
          case TestCards.Succeeds s -> null;
        };
    Map<String, Object> charge =
        build(
            call,
            amount,
            currency,
            customerId,
            card,
            card,
            test,
            params.boolOr("capture", true),
            decline);
    Crud.copyStrings(
        call,
        charge,
        Set.of(
            "description",
            "receipt_email",
            "statement_descriptor",
            "statement_descriptor_suffix",
            "transfer_group"));
    if (params.has("shipping")) {
      Params shipping = params.object("shipping");
      charge.put("shipping", shipping == null ? null : Addresses.shipping(shipping));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) charge.get("metadata");
    charge.put("metadata", params.applyMetadata("metadata", metadata));
    store(call, charge);
    if (decline != null) {
      throw declineError(decline).with("charge", charge.get("id"));
    }
    return new Result.Obj(charge);
  }

  private static Result update(Call call) {
    return CRUD.update(call, Charges::apply, Charges::attrs);
  }

  private static void apply(Call call, Map<String, Object> charge) {
    Params params = call.params();
    Crud.copyStrings(call, charge, Set.of("description", "receipt_email", "transfer_group"));
    String customer = params.string("customer");
    if (customer != null) {
      if (charge.get("customer") != null && !customer.equals(charge.get("customer"))) {
        throw StripeError.invalidState(
            "charge_invalid_parameter",
            "This charge already has a customer; it cannot be changed.",
            "customer");
      }
      call.require("customers", "customer", customer, "customer");
      charge.put("customer", customer);
    }
    if (params.has("shipping")) {
      Params shipping = params.object("shipping");
      charge.put("shipping", shipping == null ? null : Addresses.shipping(shipping));
    }
    if (params.has("fraud_details")) {
      Params fraud = params.object("fraud_details");
      Map<String, Object> details = new LinkedHashMap<>();
      if (fraud != null) {
        fraud.allowOnly(List.of("user_report"));
        details.put("user_report", fraud.oneOf("user_report", List.of("fraudulent", "safe")));
      }
      charge.put("fraud_details", details);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) charge.get("metadata");
    charge.put("metadata", params.applyMetadata("metadata", metadata));
  }

  private static Result capture(Call call) {
    Map<String, Object> charge = call.load(CRUD.type(), "charge", call.path("id"), "id");
    Long amount = call.params().amount("amount");
    Object paymentIntent = charge.get("payment_intent");
    if (paymentIntent instanceof String pi) {
      // A PaymentIntent's charge is captured through the PaymentIntent, keeping both in step.
      PaymentIntents.capture(call, pi, amount);
      return new Result.Obj(call.load(CRUD.type(), "charge", call.path("id"), "id"));
    }
    Crud.copyStrings(call, charge, Set.of("receipt_email", "statement_descriptor"));
    return new Result.Obj(capture(call, charge, amount));
  }

  private static Map<String, Object> outcome(
      TestCards.Card test, TestCards.@Nullable Declined decline) {
    Map<String, Object> outcome = new LinkedHashMap<>();
    outcome.put("advice_code", null);
    outcome.put("network_advice_code", null);
    outcome.put("network_decline_code", null);
    if (decline == null) {
      TestCards.Succeeds ok =
          test.outcome() instanceof TestCards.Succeeds s ? s : new TestCards.Succeeds("normal", 32);
      outcome.put("network_status", "approved_by_network");
      outcome.put("reason", null);
      outcome.put("risk_level", ok.riskLevel());
      outcome.put("risk_score", ok.riskScore());
      outcome.put("seller_message", "Payment complete.");
      outcome.put("type", "authorized");
    } else if (decline.blocked()) {
      outcome.put("network_status", "not_sent_to_network");
      outcome.put("reason", "merchant_blacklist");
      outcome.put("risk_level", "highest");
      outcome.put("risk_score", 95L);
      outcome.put("seller_message", "Stripe blocked this payment.");
      outcome.put("type", "blocked");
    } else {
      outcome.put("advice_code", decline.adviceCode());
      outcome.put("network_decline_code", decline.networkDeclineCode());
      outcome.put("network_status", "declined_by_network");
      outcome.put("reason", decline.declineCode());
      outcome.put("risk_level", "normal");
      outcome.put("risk_score", 32L);
      outcome.put(
          "seller_message",
          decline.declineCode().equals("generic_decline")
              ? "The bank did not return any further details with this decline."
              : "The bank returned the decline code `" + decline.declineCode() + "`.");
      outcome.put("type", "issuer_declined");
    }
    return outcome;
  }

  private static Map<String, Object> details(
      TestCards.Card test, Map<String, Object> instrument, long amount, boolean ok) {
    Object expMonth = instrument.get("exp_month");
    Object expYear = instrument.get("exp_year");
    if (instrument.get("card") instanceof Map<?, ?> pmCard) {
      expMonth = pmCard.get("exp_month");
      expYear = pmCard.get("exp_year");
    }
    Map<String, Object> card = new LinkedHashMap<>();
    card.put("amount_authorized", ok ? amount : null);
    card.put("authorization_code", ok ? "123456" : null);
    card.put("brand", test.brand());
    card.put("checks", PaymentMethods.checks("pass", test));
    card.put("country", test.country());
    card.put("exp_month", expMonth);
    card.put("exp_year", expYear);
    card.put("extended_authorization", Map.of("status", "disabled"));
    card.put("fingerprint", test.fingerprint());
    card.put("funding", test.funding());
    card.put("incremental_authorization", Map.of("status", "unavailable"));
    card.put("installments", null);
    card.put("last4", test.last4());
    card.put("mandate", null);
    card.put("multicapture", Map.of("status", "unavailable"));
    card.put("network", test.brand());
    card.put("network_token", Map.of("used", false));
    card.put("network_transaction_id", null);
    card.put("overcapture", Map.of("maximum_amount_capturable", amount, "status", "unavailable"));
    card.put("regulated_status", "unregulated");
    card.put("three_d_secure", null);
    card.put("transaction_link_id", null);
    card.put("wallet", null);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("card", card);
    details.put("type", "card");
    return details;
  }

  private static Map<String, String> attrs(Map<String, Object> charge) {
    Map<String, String> attrs = new LinkedHashMap<>();
    for (String field : List.of("customer", "payment_intent", "transfer_group")) {
      if (charge.get(field) instanceof String value) {
        attrs.put(field, value);
      }
    }
    return attrs;
  }
}
