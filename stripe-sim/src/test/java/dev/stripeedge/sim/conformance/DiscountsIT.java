package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.stripe.StripeClient;
import com.stripe.model.Subscription;
import com.stripe.param.SubscriptionRetrieveParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimHttp;
import dev.stripeedge.sim.internal.wire.Json;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Coupons applied to a new subscription: the discount and its first invoice's amounts. */
class DiscountsIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final AtomicInteger ACCOUNTS = new AtomicInteger();
  private final SimHttp http = new SimHttp(sim.baseUrl());
  private final String key = "sk_test_discounts_" + ACCOUNTS.incrementAndGet();

  private HttpResponse<String> subscribe(String discounts) {
    String customer = ok(http.post("/v1/customers", key, "")).path("id").asText();
    String price =
        ok(http.post(
                "/v1/prices",
                key,
                "currency=usd&unit_amount=1000&recurring[interval]=month&product_data[name]=P"))
            .path("id")
            .asText();
    return http.post(
        "/v1/subscriptions", key, "customer=" + customer + "&items[0][price]=" + price + discounts);
  }

  private String coupon(String form) {
    return ok(http.post("/v1/coupons", key, form)).path("id").asText();
  }

  @Test
  void aPercentCouponDiscountsTheFirstInvoice() {
    String coupon = coupon("percent_off=25&duration=repeating&duration_in_months=3");

    JsonNode subscription = ok(subscribe("&discounts[0][coupon]=" + coupon));
    JsonNode invoice =
        ok(http.get("/v1/invoices/" + subscription.path("latest_invoice").asText(), key));

    String discount = subscription.path("discounts").get(0).asText();
    assertThat(discount).startsWith("di_");
    assertThat(invoice.path("subtotal").asLong()).isEqualTo(1000);
    assertThat(invoice.path("total").asLong()).isEqualTo(750);
    assertThat(invoice.path("amount_due").asLong()).isEqualTo(750);
    assertThat(invoice.path("discounts").get(0).asText()).isEqualTo(discount);
    assertThat(invoice.path("total_discount_amounts").get(0).path("amount").asLong())
        .isEqualTo(250);
    JsonNode line = invoice.path("lines").path("data").get(0);
    assertThat(line.path("discount_amounts").get(0).path("amount").asLong()).isEqualTo(250);
    assertThat(line.path("discount_amounts").get(0).path("discount").asText()).isEqualTo(discount);
    assertThat(ok(http.get("/v1/coupons/" + coupon, key)).path("times_redeemed").asLong())
        .isEqualTo(1);
  }

  @Test
  void stackedDiscountsApplyInOrder() {
    String fixed = coupon("amount_off=300&currency=usd");
    String percent = coupon("percent_off=10");

    JsonNode subscription =
        ok(subscribe("&discounts[0][coupon]=" + fixed + "&discounts[1][coupon]=" + percent));
    JsonNode invoice =
        ok(http.get("/v1/invoices/" + subscription.path("latest_invoice").asText(), key));

    // 1000 - 300 = 700, then 10% of 700.
    assertThat(invoice.path("total").asLong()).isEqualTo(630);
    assertThat(invoice.path("total_discount_amounts").get(1).path("amount").asLong()).isEqualTo(70);
  }

  @Test
  void theDiscountExpandsOnTheSubscription() throws Exception {
    String coupon = coupon("percent_off=50&duration=repeating&duration_in_months=2");
    String id = ok(subscribe("&discounts[0][coupon]=" + coupon)).path("id").asText();
    StripeClient stripe = Clients.forKey(sim, key);

    Subscription subscription =
        stripe
            .v1()
            .subscriptions()
            .retrieve(id, SubscriptionRetrieveParams.builder().addExpand("discounts").build());

    var discount = subscription.getDiscountObjects().get(0);
    assertThat(discount.getSource().getCoupon()).isEqualTo(coupon);
    assertThat(discount.getSubscription()).isEqualTo(id);
    assertThat(discount.getEnd()).isGreaterThan(discount.getStart());
  }

  @Test
  void beforeBasilTheSubscriptionCarriesItsDiscountAndItsCoupon() {
    String coupon = coupon("percent_off=20");
    String id = ok(subscribe("&discounts[0][coupon]=" + coupon)).path("id").asText();

    JsonNode old =
        ok(
            http.send(
                http.request("/v1/subscriptions/" + id, key)
                    .header("Stripe-Version", "2025-03-30")
                    .GET()
                    .build()));

    assertThat(old.path("discount").path("object").asText()).isEqualTo("discount");
    assertThat(old.path("discount").path("coupon").path("percent_off").asDouble()).isEqualTo(20);
  }

  @Test
  void unknownAndUsedUpCouponsAreRefused() {
    HttpResponse<String> unknown = subscribe("&discounts[0][coupon]=NOPE");
    String once = coupon("percent_off=5&max_redemptions=1");
    ok(subscribe("&discounts[0][coupon]=" + once));
    HttpResponse<String> usedUp = subscribe("&discounts[0][coupon]=" + once);

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json(unknown).path("error").path("param").asText())
        .isEqualTo("discounts[0][coupon]");
    assertThat(usedUp.statusCode()).isEqualTo(400);
    assertThat(ok(http.get("/v1/coupons/" + once, key)).path("valid").asBoolean()).isFalse();
  }

  private static JsonNode ok(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response);
  }

  private static JsonNode json(HttpResponse<String> response) {
    try {
      return Json.MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
