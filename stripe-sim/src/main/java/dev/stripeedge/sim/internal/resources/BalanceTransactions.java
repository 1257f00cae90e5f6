package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.engine.Entry;
import dev.stripeedge.sim.internal.engine.ListQuery;
import dev.stripeedge.sim.internal.engine.Page;
import dev.stripeedge.sim.internal.engine.Result;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Balance transactions: one per captured charge (with Stripe's card fee), refund and dispute
 * withdrawal; retrieve and list ({@code source}, {@code type}, {@code currency}); the balance they
 * add up to.
 *
 * <p>Simplified: funds stay pending (never available, no payouts), and every card pays the US
 * standard rate.
 */
final class BalanceTransactions {

  static final Crud CRUD = new Crud("balance_transactions", "balance_transaction");

  /** Stripe's standard US card pricing: 2.9% + 30 cents. */
  private static final long FEE_PER_MILLE = 29;

  private static final long FEE_FIXED = 30;

  /** Stripe's dispute fee, in cents. */
  static final long DISPUTE_FEE = 1500;

  /** Card funds become available two days later in the US. */
  private static final long AVAILABLE_AFTER_SECONDS = 2 * 86_400L;

  private BalanceTransactions() {}

  static void register(Router router) {
    CRUD.retrieve(router);
    CRUD.list(router, List.of("source", "type", "currency"));
    router.add(
        new Route(
            "GET",
            "/v1/balance",
            Route.Kind.READ,
            Route.params(List.of("expand")),
            null,
            BalanceTransactions::balance));
  }

  /**
   * {@code GET /v1/balance}: every booked net amount, per currency, is pending (funds never become
   * available here); usd with zeros when nothing is booked, as for a new account.
   */
  private static Result balance(Call call) {
    Map<String, Long> pending = new TreeMap<>();
    String after = null;
    while (true) {
      Page page =
          call.collection(CRUD.type())
              .list(
                  new ListQuery(100, after, null, Long.MIN_VALUE, Long.MAX_VALUE),
                  entry -> true,
                  "balance_transaction");
      for (Entry entry : page.entries()) {
        Map<String, Object> txn = call.read(entry);
        pending.merge((String) txn.get("currency"), Billing.number(txn.get("net")), Long::sum);
      }
      if (!page.hasMore() || page.entries().isEmpty()) {
        break;
      }
      after = page.entries().get(page.entries().size() - 1).id();
    }
    if (pending.isEmpty()) {
      pending.put("usd", 0L);
    }
    Map<String, Object> balance = new LinkedHashMap<>();
    balance.put("object", "balance");
    List<Object> available = new ArrayList<>();
    List<Object> reserved = new ArrayList<>();
    List<Object> pendingAmounts = new ArrayList<>();
    pending.forEach(
        (currency, amount) -> {
          available.add(amount(0, currency, true));
          reserved.add(amount(0, currency, false));
          pendingAmounts.add(amount(amount, currency, true));
        });
    balance.put("available", available);
    balance.put("connect_reserved", reserved);
    balance.put("livemode", call.account().livemode());
    balance.put("pending", pendingAmounts);
    return new Result.Obj(balance);
  }

  private static Map<String, Object> amount(long amount, String currency, boolean bySource) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("amount", amount);
    entry.put("currency", currency);
    if (bySource) {
      entry.put("source_types", Map.of("card", amount));
    }
    return entry;
  }

  /** Books a captured card charge of {@code amount}, less Stripe's fee; returns the id. */
  static String charge(Call call, String chargeId, long amount, String currency) {
    long fee = Math.round(amount * FEE_PER_MILLE / 1000.0) + FEE_FIXED;
    return book(
        call, "charge", "charge", chargeId, amount, fee, "Stripe processing fees", currency);
  }

  /** Books a refund (a negative amount; Stripe keeps its fee); returns the id. */
  static String refund(Call call, String refundId, long amount, String currency) {
    return book(call, "refund", "refund", refundId, -amount, 0, null, currency);
  }

  /** Books the withdrawal a chargeback makes, with the dispute fee; returns the id. */
  static String disputeWithdrawal(Call call, String disputeId, long amount, String currency) {
    return book(
        call, "adjustment", "dispute", disputeId, -amount, DISPUTE_FEE, "Dispute fee", currency);
  }

  private static String book(
      Call call,
      String type,
      String reportingCategory,
      String sourceId,
      long amount,
      long fee,
      String feeDescription,
      String currency) {
    Map<String, Object> txn = call.newObject("txn", "balance_transaction");
    // Stripe's balance transactions carry no livemode field.
    txn.remove("livemode");
    txn.put("amount", amount);
    txn.put("available_on", call.now() + AVAILABLE_AFTER_SECONDS);
    txn.put("balance_type", "payments");
    txn.put("currency", currency);
    txn.put("description", null);
    txn.put("exchange_rate", null);
    txn.put("fee", fee);
    List<Object> feeDetails = new java.util.ArrayList<>();
    if (fee != 0) {
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("amount", fee);
      detail.put("application", null);
      detail.put("currency", currency);
      detail.put("description", feeDescription);
      detail.put("type", "stripe_fee");
      feeDetails.add(detail);
    }
    txn.put("fee_details", feeDetails);
    txn.put("net", amount - fee);
    txn.put("reporting_category", reportingCategory);
    txn.put("source", sourceId);
    txn.put("status", "pending");
    txn.put("type", type);
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("source", sourceId);
    attrs.put("type", type);
    attrs.put("currency", currency);
    // Stripe sends no event for a new balance transaction.
    call.insert(CRUD.type(), txn, attrs);
    return (String) txn.get("id");
  }
}
