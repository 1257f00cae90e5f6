package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Call;
import dev.stripeedge.sim.internal.wire.Params;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Discounts: a coupon applied to a subscription ({@code discounts[][coupon]} on create), taken off
 * its invoices' lines. Stored for expansion ({@code expand[]=discounts}); there is no discounts
 * endpoint at Stripe either.
 *
 * <p>Simplified: only coupons (no promotion codes), only when a subscription is created, and only
 * its first invoice is discounted (subscriptions do not renew).
 */
final class Discounts {

  static final String TYPE = "discounts";

  private Discounts() {}

  /**
   * Builds (does not store) the discounts the {@code discounts} parameter asks for; each coupon
   * must exist and still be redeemable.
   */
  static List<Map<String, Object>> forSubscription(
      Call call, Params params, String customerId, String subscriptionId) {
    List<Map<String, Object>> discounts = new ArrayList<>();
    List<Params> requested = params.objectList("discounts");
    for (int i = 0; i < requested.size(); i++) {
      Params entry = requested.get(i);
      entry.allowOnly(List.of("coupon"));
      String param = "discounts[" + i + "][coupon]";
      String couponId = entry.requiredString("coupon");
      Map<String, Object> coupon = call.load(Coupons.CRUD.type(), "coupon", couponId, param);
      if (!Boolean.TRUE.equals(coupon.get("valid"))) {
        throw StripeError.invalid(null, "Coupon " + couponId + " is not valid.", param);
      }
      Map<String, Object> discount = call.newObject("di", "discount");
      // A discount has no created or livemode field.
      discount.remove("created");
      discount.remove("livemode");
      long start = call.now();
      discount.put("checkout_session", null);
      discount.put("customer", customerId);
      discount.put("customer_account", null);
      discount.put(
          "end",
          "repeating".equals(coupon.get("duration"))
              ? Billing.periodEnd(start, "month", Billing.number(coupon.get("duration_in_months")))
              : null);
      discount.put("invoice", null);
      discount.put("invoice_item", null);
      discount.put("promotion_code", null);
      Map<String, Object> source = new LinkedHashMap<>();
      source.put("coupon", couponId);
      source.put("type", "coupon");
      discount.put("source", source);
      discount.put("start", start);
      discount.put("subscription", subscriptionId);
      discount.put("subscription_item", null);
      discounts.add(discount);
    }
    return discounts;
  }

  /**
   * Stores the discounts and counts each coupon's redemption (a coupon that reaches its {@code
   * max_redemptions} is no longer valid).
   */
  static void redeem(Call call, List<Map<String, Object>> discounts) {
    for (Map<String, Object> discount : discounts) {
      call.insert(TYPE, discount);
      String couponId = couponOf(discount);
      Map<String, Object> coupon = call.load(Coupons.CRUD.type(), "coupon", couponId, "coupon");
      long redeemed = Billing.number(coupon.get("times_redeemed")) + 1;
      coupon.put("times_redeemed", redeemed);
      if (coupon.get("max_redemptions") instanceof Number max && redeemed >= max.longValue()) {
        coupon.put("valid", false);
      }
      call.save(Coupons.CRUD.type(), coupon);
    }
  }

  /**
   * Takes the discounts off {@code invoice}'s lines, in order (each on what the previous left), and
   * sets its totals; {@code subtotal} stays the amount before discounts, as at Stripe.
   */
  static void applyToInvoice(
      Call call, Map<String, Object> invoice, List<Map<String, Object>> discounts) {
    if (discounts.isEmpty()) {
      return;
    }
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> lines =
        (List<Map<String, Object>>) Billing.map(invoice.get("lines")).get("data");
    long[] remaining = new long[lines.size()];
    List<List<Object>> lineAmounts = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      remaining[i] = Billing.number(lines.get(i).get("amount"));
      lineAmounts.add(new ArrayList<>());
    }
    List<Object> totals = new ArrayList<>();
    List<Object> ids = new ArrayList<>();
    for (Map<String, Object> discount : discounts) {
      Map<String, Object> coupon =
          call.load(Coupons.CRUD.type(), "coupon", couponOf(discount), "coupon");
      long base = 0;
      for (long r : remaining) {
        base += r;
      }
      long off = amountOff(coupon, base);
      // Spread over the lines in proportion to what each has left; the last takes the rounding.
      long spread = 0;
      for (int i = 0; i < lines.size(); i++) {
        long share =
            i == lines.size() - 1
                ? off - spread
                : base == 0 ? 0 : Math.round((double) off * remaining[i] / base);
        share = Math.max(0, Math.min(share, remaining[i]));
        spread += share;
        remaining[i] -= share;
        lineAmounts.get(i).add(discountAmount(share, discount));
      }
      totals.add(discountAmount(spread, discount));
      ids.add(discount.get("id"));
    }
    long total = 0;
    for (int i = 0; i < lines.size(); i++) {
      lines.get(i).put("discount_amounts", lineAmounts.get(i));
      lines.get(i).put("discounts", ids);
      total += remaining[i];
    }
    invoice.put("discounts", ids);
    invoice.put("total_discount_amounts", totals);
    invoice.put("amount_due", total);
    invoice.put("amount_remaining", total);
    invoice.put("total", total);
    invoice.put("total_excluding_tax", total);
  }

  /** What a coupon takes off {@code base}: a percentage (rounded) or a fixed amount, capped. */
  static long amountOff(Map<String, Object> coupon, long base) {
    if (coupon.get("percent_off") instanceof Number percent) {
      return Math.round(base * percent.doubleValue() / 100.0);
    }
    return Math.min(base, Billing.number(coupon.get("amount_off")));
  }

  private static Map<String, Object> discountAmount(long amount, Map<String, Object> discount) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("amount", amount);
    entry.put("discount", discount.get("id"));
    return entry;
  }

  private static String couponOf(Map<String, Object> discount) {
    return (String) Billing.map(discount.get("source")).get("coupon");
  }
}
