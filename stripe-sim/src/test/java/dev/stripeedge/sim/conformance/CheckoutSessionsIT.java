package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.stripe.model.LineItem;
import com.stripe.model.Price;
import com.stripe.model.checkout.Session;
import com.stripe.param.PriceCreateParams;
import com.stripe.param.checkout.SessionCreateParams;
import com.stripe.param.checkout.SessionListParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Checkout Sessions through stripe-java: create, line items, expire, list, mode checks. */
class CheckoutSessionsIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private final StripeClient stripe = Clients.fresh(sim, "checkout");

  private Price price(boolean recurring) throws Exception {
    PriceCreateParams.Builder params =
        PriceCreateParams.builder()
            .setCurrency("usd")
            .setUnitAmount(1500L)
            .setProductData(PriceCreateParams.ProductData.builder().setName("T-shirt").build());
    if (recurring) {
      params.setRecurring(
          PriceCreateParams.Recurring.builder()
              .setInterval(PriceCreateParams.Recurring.Interval.MONTH)
              .build());
    }
    return stripe.v1().prices().create(params.build());
  }

  private Session session(SessionCreateParams.Mode mode, Price price, long quantity)
      throws Exception {
    return stripe
        .v1()
        .checkout()
        .sessions()
        .create(
            SessionCreateParams.builder()
                .setMode(mode)
                .setSuccessUrl("https://example.com/success")
                .setCancelUrl("https://example.com/cancel")
                .addLineItem(
                    SessionCreateParams.LineItem.builder()
                        .setPrice(price.getId())
                        .setQuantity(quantity)
                        .build())
                .build());
  }

  @Test
  void aPaymentSessionIsOpenWithItsTotalsAndUrl() throws Exception {
    Session session = session(SessionCreateParams.Mode.PAYMENT, price(false), 2);

    assertThat(session.getId()).startsWith("cs_test_");
    assertThat(session.getStatus()).isEqualTo("open");
    assertThat(session.getPaymentStatus()).isEqualTo("unpaid");
    assertThat(session.getAmountSubtotal()).isEqualTo(3000L);
    assertThat(session.getAmountTotal()).isEqualTo(3000L);
    assertThat(session.getCurrency()).isEqualTo("usd");
    assertThat(session.getUrl()).isEqualTo("https://checkout.stripe.com/c/pay/" + session.getId());
    assertThat(session.getExpiresAt()).isEqualTo(session.getCreated() + 86_400L);
    assertThat(stripe.v1().checkout().sessions().retrieve(session.getId()).getSuccessUrl())
        .isEqualTo("https://example.com/success");
  }

  @Test
  void lineItemsAreListedWithTheirPrice() throws Exception {
    Price price = price(false);
    Session session = session(SessionCreateParams.Mode.PAYMENT, price, 3);

    LineItem item =
        stripe.v1().checkout().sessions().lineItems().list(session.getId()).getData().get(0);

    assertThat(item.getId()).startsWith("li_");
    assertThat(item.getQuantity()).isEqualTo(3L);
    assertThat(item.getAmountTotal()).isEqualTo(4500L);
    assertThat(item.getDescription()).isEqualTo("T-shirt");
    assertThat(item.getPrice().getId()).isEqualTo(price.getId());
  }

  @Test
  void expiringClosesTheSessionOnce() throws Exception {
    Session session = session(SessionCreateParams.Mode.SUBSCRIPTION, price(true), 1);

    Session expired = stripe.v1().checkout().sessions().expire(session.getId());
    InvalidRequestException again =
        catchThrowableOfType(
            InvalidRequestException.class,
            () -> stripe.v1().checkout().sessions().expire(session.getId()));

    assertThat(expired.getStatus()).isEqualTo("expired");
    assertThat(again.getStatusCode()).isEqualTo(400);
    assertThat(
            stripe
                .v1()
                .checkout()
                .sessions()
                .list(
                    SessionListParams.builder().setStatus(SessionListParams.Status.EXPIRED).build())
                .getData())
        .extracting(Session::getId)
        .containsExactly(session.getId());
  }

  @Test
  void pricesMustSuitTheMode() throws Exception {
    Price oneTime = price(false);
    Price monthly = price(true);

    InvalidRequestException recurringInPayment =
        catchThrowableOfType(
            InvalidRequestException.class,
            () -> session(SessionCreateParams.Mode.PAYMENT, monthly, 1));
    InvalidRequestException oneTimeOnlyInSubscription =
        catchThrowableOfType(
            InvalidRequestException.class,
            () -> session(SessionCreateParams.Mode.SUBSCRIPTION, oneTime, 1));

    assertThat(recurringInPayment.getParam()).isEqualTo("line_items[0][price]");
    assertThat(oneTimeOnlyInSubscription.getParam()).isEqualTo("line_items[0][price]");
  }
}
