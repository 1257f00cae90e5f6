package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Result;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import dev.stripeedge.sim.internal.wire.Params;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Refunds: create (by charge or PaymentIntent, partial or full), retrieve, update, list.
 *
 * <p>A refund succeeds at once and updates its charge's {@code amount_refunded}, {@code refunded}
 * and embedded {@code refunds} list. Entry attributes: {@code charge}, {@code payment_intent}.
 */
final class Refunds {

  static final Crud CRUD = new Crud("refunds", "refund");
  private static final List<String> CREATE =
      List.of(
          "charge",
          "payment_intent",
          "amount",
          "reason",
          "metadata",
          "instructions_email",
          "refund_application_fee",
          "reverse_transfer");

  private Refunds() {}

  static void register(Router router) {
    CRUD.add(router, "POST", "", Route.Kind.PAYMENT, CREATE, null, Refunds::create);
    CRUD.retrieve(router);
    CRUD.add(router, "POST", "/{id}", Route.Kind.WRITE, List.of("metadata"), "id", Refunds::update);
    CRUD.list(router, List.of("charge", "payment_intent"));
  }

  private static final List<String> REASONS =
      List.of("duplicate", "fraudulent", "requested_by_customer");

  private static Result create(Call call) {
    Params params = call.params();
    // Parameters are validated before any object is looked up, as at Stripe.
    params.oneOf("reason", REASONS);
    Long requested = params.integer("amount");
    if (requested != null && requested <= 0) {
      throw StripeError.invalid(null, "Invalid positive integer", "amount");
    }
    Map<String, Object> charge = charge(call, params);
    String chargeId = (String) charge.get("id");
    String currency = (String) charge.get("currency");
    if (!"succeeded".equals(charge.get("status"))) {
      throw StripeError.invalidState(
          null, "Charge " + chargeId + " has failed and cannot be refunded.", "charge");
    }
    if (Boolean.TRUE.equals(charge.get("refunded"))) {
      throw StripeError.invalidState(
          "charge_already_refunded",
          "Charge " + chargeId + " has already been refunded.",
          "charge");
    }
    if (Boolean.TRUE.equals(charge.get("disputed"))) {
      // A chargeback has already returned the funds; only an inquiry can still be refunded.
      Map<String, Object> dispute = Disputes.forCharge(call, chargeId);
      if (dispute == null || !Boolean.TRUE.equals(dispute.get("is_charge_refundable"))) {
        throw StripeError.invalidState(
            "charge_disputed",
            "Charge " + chargeId + " has been charged back; cannot issue a refund.",
            null);
      }
    }
    boolean captured = Boolean.TRUE.equals(charge.get("captured"));
    long refundable = number(charge, captured ? "amount_captured" : "amount");
    long alreadyRefunded = number(charge, "amount_refunded");
    long remaining = refundable - alreadyRefunded;
    long amount = requested == null ? remaining : requested;
    if (amount > remaining) {
      throw StripeError.invalidState(
          null,
          alreadyRefunded == 0
              ? "Refund amount (%s) is greater than charge amount (%s)"
                  .formatted(Charges.money(amount, currency), Charges.money(refundable, currency))
              : "Refund amount (%s) is greater than unrefunded amount on charge (%s)"
                  .formatted(Charges.money(amount, currency), Charges.money(remaining, currency)),
          "amount");
    }
    if (!captured && amount < remaining) {
      throw StripeError.invalidState(
          null,
          "You cannot partially refund an uncaptured charge. Instead, capture the charge for an"
              + " amount less than the original amount",
          "amount");
    }
    Map<String, Object> refund = refund(call, charge, amount, params);
    call.insert(CRUD.type(), refund, attrs(refund));
    Map<String, Object> before = new LinkedHashMap<>(charge);
    charge.put("amount_refunded", alreadyRefunded + amount);
    charge.put("refunded", alreadyRefunded + amount >= refundable);
    Charges.save(call, charge);
    Map<String, Object> previous = Crud.previous(before, charge);
    call.emit("charge.refunded", charge, previous);
    call.emit("refund.created", refund);
    return new Result.Obj(refund);
  }

  private static Result update(Call call) {
    Map<String, Object> refund = call.load(CRUD.type(), "refund", call.path("id"), "id");
    Map<String, Object> before = new LinkedHashMap<>(refund);
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) refund.get("metadata");
    refund.put("metadata", call.params().applyMetadata("metadata", metadata));
    call.save(CRUD.type(), refund);
    Map<String, Object> previous = Crud.previous(before, refund);
    if (!previous.isEmpty()) {
      call.emit("refund.updated", refund, previous);
      call.emit("charge.refund.updated", refund, previous);
    }
    return new Result.Obj(refund);
  }

  /** The charge a refund is for, from {@code charge} or a PaymentIntent's latest charge. */
  private static Map<String, Object> charge(Call call, Params params) {
    String chargeId = params.string("charge");
    String piId = params.string("payment_intent");
    if (chargeId == null && piId == null) {
      throw StripeError.invalid(
          "parameter_missing",
          "One of the following params should be provided: charge, payment_intent.",
          null);
    }
    if (piId != null) {
      Map<String, Object> pi =
          call.load(PaymentIntents.CRUD.type(), "payment_intent", piId, "payment_intent");
      Object latest = pi.get("latest_charge");
      if (!(latest instanceof String id) || !"succeeded".equals(pi.get("status"))) {
        throw StripeError.invalidState(
            null,
            "This PaymentIntent does not have a successful charge to refund.",
            "payment_intent");
      }
      if (chargeId != null && !chargeId.equals(id)) {
        throw StripeError.invalidState(
            null,
            "Charge " + chargeId + " does not belong to PaymentIntent " + piId + ".",
            "charge");
      }
      chargeId = id;
    }
    return call.load(Charges.CRUD.type(), "charge", chargeId, "charge");
  }

  private static Map<String, Object> refund(
      Call call, Map<String, Object> charge, long amount, Params params) {
    Map<String, Object> refund = call.newObject("re", "refund");
    // Stripe's refund has no livemode field.
    refund.remove("livemode");
    refund.put("amount", amount);
    refund.put(
        "balance_transaction",
        BalanceTransactions.refund(
            call, (String) refund.get("id"), amount, (String) charge.get("currency")));
    refund.put("charge", charge.get("id"));
    refund.put("currency", charge.get("currency"));
    refund.put("customer", charge.get("customer"));
    refund.put("customer_account", null);
    refund.put("description", null);
    Map<String, Object> card = new LinkedHashMap<>();
    card.put("reference", null);
    card.put("reference_status", "pending");
    card.put("reference_type", "acquirer_reference_number");
    card.put("type", "refund");
    Map<String, Object> destination = new LinkedHashMap<>();
    destination.put("card", card);
    destination.put("type", "card");
    refund.put("destination_details", destination);
    refund.put("instructions_email", params.string("instructions_email"));
    refund.put("metadata", params.applyMetadata("metadata", new LinkedHashMap<>()));
    refund.put("payment_intent", charge.get("payment_intent"));
    refund.put("payment_method", charge.get("payment_method"));
    refund.put("reason", params.oneOf("reason", REASONS));
    refund.put("receipt_number", null);
    refund.put("source_transfer_reversal", null);
    refund.put("status", "succeeded");
    refund.put("transfer_reversal", null);
    return refund;
  }

  private static long number(Map<String, Object> object, String field) {
    return ((Number) object.get(field)).longValue();
  }

  private static Map<String, String> attrs(Map<String, Object> refund) {
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("charge", (String) refund.get("charge"));
    if (refund.get("payment_intent") instanceof String pi) {
      attrs.put("payment_intent", pi);
    }
    return attrs;
  }
}
