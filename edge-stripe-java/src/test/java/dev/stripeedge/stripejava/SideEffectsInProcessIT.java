package dev.stripeedge.stripejava;

import static org.assertj.core.api.Assertions.assertThat;

import com.stripe.StripeClient;
import com.stripe.model.Charge;
import com.stripe.model.Customer;
import com.stripe.model.PaymentIntent;
import com.stripe.model.PaymentMethod;
import com.stripe.model.Subscription;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.PaymentIntentCreateParams;
import com.stripe.param.PaymentMethodAttachParams;
import com.stripe.param.PriceCreateParams;
import com.stripe.param.RefundCreateParams;
import com.stripe.param.SubscriptionCreateParams;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.URI;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 17 in-process: through stripe-java and the adapter, a read after a write that changes an
 * object it does not name (a refund its charge, a capture its charge, a customer's delete its
 * payment methods and subscriptions) returns the new state, not the cached one.
 */
class SideEffectsInProcessIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final Scheduler NOW = delay -> CompletableFuture.completedFuture(null);

  private final EdgePipeline pipeline =
      EdgePipeline.builder(Upstream.jdk(URI.create(sim.baseUrl()), Duration.ofSeconds(5)))
          .random(new SplittableRandom(1717))
          .scheduler(NOW)
          .build();
  private final StripeClient stripe = EdgeStripe.client("sk_test_side_effects", pipeline);

  private Customer customer() throws Exception {
    return stripe.v1().customers().create(CustomerCreateParams.builder().build());
  }

  private PaymentIntent pay(String customer, PaymentIntentCreateParams.CaptureMethod capture)
      throws Exception {
    return stripe
        .v1()
        .paymentIntents()
        .create(
            PaymentIntentCreateParams.builder()
                .setAmount(2000L)
                .setCurrency("usd")
                .setCustomer(customer)
                .setPaymentMethod("pm_card_visa")
                .setConfirm(true)
                .setCaptureMethod(capture)
                .addPaymentMethodType("card")
                .build());
  }

  /** Reads {@code id} twice, so the second comes from the cache; returns the cached charge. */
  private Charge cachedCharge(String id) throws Exception {
    stripe.v1().charges().retrieve(id);
    Charge cached = stripe.v1().charges().retrieve(id);
    assertThat(cached.getLastResponse().headers().firstValue("cache-status"))
        .hasValue("stripe-edge; hit");
    return cached;
  }

  @Test
  void aRefundByPaymentIntentIsSeenOnItsCharge() throws Exception {
    PaymentIntent intent =
        pay(customer().getId(), PaymentIntentCreateParams.CaptureMethod.AUTOMATIC);
    String charge = intent.getLatestCharge();
    assertThat(cachedCharge(charge).getRefunded()).isFalse();

    stripe
        .v1()
        .refunds()
        .create(RefundCreateParams.builder().setPaymentIntent(intent.getId()).build());

    Charge after = stripe.v1().charges().retrieve(charge);
    assertThat(after.getRefunded()).isTrue();
    assertThat(after.getAmountRefunded()).isEqualTo(2000L);
  }

  @Test
  void aPartialRefundByChargeIsSeenOnItsCharge() throws Exception {
    String charge =
        pay(customer().getId(), PaymentIntentCreateParams.CaptureMethod.AUTOMATIC)
            .getLatestCharge();
    cachedCharge(charge);

    stripe
        .v1()
        .refunds()
        .create(RefundCreateParams.builder().setCharge(charge).setAmount(500L).build());

    assertThat(stripe.v1().charges().retrieve(charge).getAmountRefunded()).isEqualTo(500L);
  }

  @Test
  void aCaptureOfThePaymentIntentIsSeenOnItsCharge() throws Exception {
    PaymentIntent intent = pay(customer().getId(), PaymentIntentCreateParams.CaptureMethod.MANUAL);
    String charge = intent.getLatestCharge();
    assertThat(cachedCharge(charge).getCaptured()).isFalse();

    stripe.v1().paymentIntents().capture(intent.getId());

    assertThat(stripe.v1().charges().retrieve(charge).getCaptured()).isTrue();
  }

  @Test
  void aDeletedCustomersPaymentMethodsAndSubscriptionsReadAsStripeLeftThem() throws Exception {
    Customer customer = customer();
    PaymentMethod pm =
        stripe
            .v1()
            .paymentMethods()
            .attach(
                "pm_card_visa",
                PaymentMethodAttachParams.builder().setCustomer(customer.getId()).build());
    String price =
        stripe
            .v1()
            .prices()
            .create(
                PriceCreateParams.builder()
                    .setCurrency("usd")
                    .setUnitAmount(1500L)
                    .setRecurring(
                        PriceCreateParams.Recurring.builder()
                            .setInterval(PriceCreateParams.Recurring.Interval.MONTH)
                            .build())
                    .setProductData(PriceCreateParams.ProductData.builder().setName("G").build())
                    .build())
            .getId();
    Subscription subscription =
        stripe
            .v1()
            .subscriptions()
            .create(
                SubscriptionCreateParams.builder()
                    .setCustomer(customer.getId())
                    .addItem(SubscriptionCreateParams.Item.builder().setPrice(price).build())
                    .build());
    for (int i = 0; i < 2; i++) {
      stripe.v1().paymentMethods().retrieve(pm.getId());
      stripe.v1().subscriptions().retrieve(subscription.getId());
      stripe.v1().customers().retrieve(customer.getId());
    }

    stripe.v1().customers().delete(customer.getId());

    assertThat(stripe.v1().customers().retrieve(customer.getId()).getDeleted()).isTrue();
    assertThat(stripe.v1().paymentMethods().retrieve(pm.getId()).getCustomer()).isNull();
    assertThat(stripe.v1().subscriptions().retrieve(subscription.getId()).getStatus())
        .isEqualTo("canceled");
  }
}
