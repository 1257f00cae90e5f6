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
 * Disputes, opened by Stripe's dispute test cards ({@code tok_createDispute}, …) once their charge
 * is captured: retrieve, list, update (evidence, metadata, submit) and close.
 *
 * <p>Simplified: no evidence files, and a dispute never resolves on its own (so its funds are never
 * reinstated).
 */
final class Disputes {

  static final Crud CRUD = new Crud("disputes", "dispute");

  /** Evidence fields Stripe accepts; all text here (files are not simulated). */
  private static final List<String> EVIDENCE =
      List.of(
          "access_activity_log",
          "billing_address",
          "cancellation_policy",
          "cancellation_policy_disclosure",
          "cancellation_rebuttal",
          "customer_communication",
          "customer_email_address",
          "customer_name",
          "customer_purchase_ip",
          "customer_signature",
          "duplicate_charge_documentation",
          "duplicate_charge_explanation",
          "duplicate_charge_id",
          "product_description",
          "receipt",
          "refund_policy",
          "refund_policy_disclosure",
          "refund_refusal_explanation",
          "service_date",
          "service_documentation",
          "shipping_address",
          "shipping_carrier",
          "shipping_date",
          "shipping_documentation",
          "shipping_tracking_number",
          "uncategorized_file",
          "uncategorized_text");

  private static final long EVIDENCE_WINDOW_SECONDS = 7 * 86_400L;

  private Disputes() {}

  static void register(Router router) {
    CRUD.retrieve(router);
    CRUD.list(router, List.of("charge", "payment_intent"));
    CRUD.add(
        router,
        "POST",
        "/{id}",
        Route.Kind.WRITE,
        List.of("evidence", "metadata", "submit"),
        "id",
        Disputes::update);
    CRUD.add(router, "POST", "/{id}/close", Route.Kind.WRITE, List.of(), "id", Disputes::close);
  }

  /**
   * Opens the dispute a dispute test card calls for, once {@code charge} is captured: marks the
   * stored charge disputed and emits {@code charge.dispute.created}. The caller's copy of the
   * charge is left as it was, as Stripe's response to the charge predates the dispute.
   */
  static void openIfDisputeCard(Call call, Map<String, Object> charge) {
    if (!Boolean.TRUE.equals(charge.get("captured"))
        || !(charge.get("payment_method_details") instanceof Map<?, ?> details)
        || !(details.get("card") instanceof Map<?, ?> card)) {
      return;
    }
    TestCards.Dispute kind = TestCards.dispute(card.get("fingerprint"));
    if (kind == null) {
      return;
    }
    Map<String, Object> dispute = call.newObject("dp", "dispute");
    dispute.put("amount", charge.get("amount_captured"));
    // A chargeback withdraws the amount and Stripe's dispute fee at once; an inquiry moves no
    // money.
    List<Object> withdrawals = new ArrayList<>();
    if (!kind.inquiry()) {
      String txn =
          BalanceTransactions.disputeWithdrawal(
              call,
              (String) dispute.get("id"),
              ((Number) charge.get("amount_captured")).longValue(),
              (String) charge.get("currency"));
      withdrawals.add(call.load(BalanceTransactions.CRUD.type(), "balance_transaction", txn, "id"));
    }
    dispute.put("balance_transactions", withdrawals);
    dispute.put("charge", charge.get("id"));
    dispute.put("currency", charge.get("currency"));
    dispute.put("enhanced_eligibility_types", List.of());
    Map<String, Object> evidence = new LinkedHashMap<>();
    EVIDENCE.forEach(field -> evidence.put(field, null));
    evidence.put("enhanced_evidence", new LinkedHashMap<>());
    dispute.put("evidence", evidence);
    Map<String, Object> evidenceDetails = new LinkedHashMap<>();
    evidenceDetails.put("due_by", call.now() + EVIDENCE_WINDOW_SECONDS);
    evidenceDetails.put("enhanced_eligibility", new LinkedHashMap<>());
    evidenceDetails.put("has_evidence", false);
    evidenceDetails.put("past_due", false);
    evidenceDetails.put("submission_count", 0L);
    dispute.put("evidence_details", evidenceDetails);
    // An inquiry can still be settled by refunding; a chargeback has already taken the funds.
    dispute.put("is_charge_refundable", kind.inquiry());
    dispute.put("metadata", new LinkedHashMap<>());
    dispute.put("payment_intent", charge.get("payment_intent"));
    Map<String, Object> cardDetails = new LinkedHashMap<>();
    cardDetails.put("brand", card.get("brand"));
    cardDetails.put("case_type", kind.inquiry() ? "inquiry" : "chargeback");
    cardDetails.put("network", card.get("network"));
    cardDetails.put("network_reason_code", kind.networkReasonCode());
    Map<String, Object> methodDetails = new LinkedHashMap<>();
    methodDetails.put("card", cardDetails);
    methodDetails.put("type", "card");
    dispute.put("payment_method_details", methodDetails);
    dispute.put("reason", kind.reason());
    dispute.put("status", kind.inquiry() ? "warning_needs_response" : "needs_response");
    call.insert(CRUD.type(), dispute, attrs(dispute));
    Map<String, Object> stored =
        call.load(Charges.CRUD.type(), "charge", (String) charge.get("id"), "id");
    stored.put("disputed", true);
    Charges.save(call, stored);
    call.emit("charge.dispute.created", dispute);
    if (!kind.inquiry()) {
      call.emit("charge.dispute.funds_withdrawn", dispute);
    }
  }

  /** The dispute on a charge, or null. */
  static @Nullable Map<String, Object> forCharge(Call call, String chargeId) {
    ListQuery all = new ListQuery(100, null, null, Long.MIN_VALUE, Long.MAX_VALUE);
    List<Entry> found =
        call.collection(CRUD.type())
            .list(all, entry -> chargeId.equals(entry.attr("charge")), "dispute")
            .entries();
    return found.isEmpty() ? null : call.read(found.get(0));
  }

  private static Result update(Call call) {
    Map<String, Object> dispute = call.load(CRUD.type(), "dispute", call.path("id"), "id");
    requireOpen(dispute);
    Map<String, Object> before = new LinkedHashMap<>(dispute);
    Params params = call.params();
    Params given = params.object("evidence");
    if (given != null) {
      given.allowOnly(EVIDENCE);
      @SuppressWarnings("unchecked")
      Map<String, Object> evidence =
          new LinkedHashMap<>((Map<String, Object>) dispute.get("evidence"));
      for (String field : EVIDENCE) {
        if (given.has(field)) {
          evidence.put(field, given.string(field));
        }
      }
      dispute.put("evidence", evidence);
      @SuppressWarnings("unchecked")
      Map<String, Object> details =
          new LinkedHashMap<>((Map<String, Object>) dispute.get("evidence_details"));
      details.put("has_evidence", true);
      dispute.put("evidence_details", details);
    }
    Billing.metadata(params, dispute);
    // Evidence is submitted at once unless submit=false asks to stage it.
    if (params.boolOr("submit", true) && given != null) {
      @SuppressWarnings("unchecked")
      Map<String, Object> details =
          new LinkedHashMap<>((Map<String, Object>) dispute.get("evidence_details"));
      details.put("submission_count", ((Number) details.get("submission_count")).longValue() + 1);
      dispute.put("evidence_details", details);
      dispute.put(
          "status",
          "warning_needs_response".equals(dispute.get("status"))
              ? "warning_under_review"
              : "under_review");
    }
    saveChanged(call, before, dispute, "charge.dispute.updated");
    return new Result.Obj(dispute);
  }

  /** Accepting the dispute: Stripe marks it lost (an inquiry: warning_closed). */
  private static Result close(Call call) {
    Map<String, Object> dispute = call.load(CRUD.type(), "dispute", call.path("id"), "id");
    requireOpen(dispute);
    Map<String, Object> before = new LinkedHashMap<>(dispute);
    boolean inquiry = String.valueOf(dispute.get("status")).startsWith("warning_");
    dispute.put("status", inquiry ? "warning_closed" : "lost");
    dispute.put("is_charge_refundable", false);
    saveChanged(call, before, dispute, "charge.dispute.closed");
    return new Result.Obj(dispute);
  }

  private static void requireOpen(Map<String, Object> dispute) {
    Object status = dispute.get("status");
    if ("lost".equals(status) || "won".equals(status) || "warning_closed".equals(status)) {
      throw StripeError.invalidState(
          null, "This dispute is already closed: it has a status of " + status + ".", null);
    }
  }

  private static void saveChanged(
      Call call, Map<String, Object> before, Map<String, Object> dispute, String event) {
    Map<String, Object> previous = Crud.previous(before, dispute);
    if (!previous.isEmpty()) {
      call.save(CRUD.type(), dispute, attrs(dispute));
      call.emit(event, dispute, previous);
    }
  }

  private static Map<String, String> attrs(Map<String, Object> dispute) {
    Map<String, String> attrs = new LinkedHashMap<>();
    for (String field : List.of("charge", "payment_intent")) {
      if (dispute.get(field) instanceof String value) {
        attrs.put(field, value);
      }
    }
    return attrs;
  }
}
