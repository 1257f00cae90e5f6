package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.stripe.model.Coupon;
import com.stripe.param.CouponCreateParams;
import com.stripe.param.CouponUpdateParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Coupons through stripe-java: create, retrieve, update, delete, list, and Stripe's checks. */
class CouponsIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private final StripeClient stripe = Clients.fresh(sim, "coupons");

  @Test
  void percentOffCouponRoundTrips() throws Exception {
    Coupon created =
        stripe
            .v1()
            .coupons()
            .create(
                CouponCreateParams.builder()
                    .setPercentOff(new BigDecimal("25.5"))
                    .setDuration(CouponCreateParams.Duration.REPEATING)
                    .setDurationInMonths(3L)
                    .setName("Launch")
                    .build());

    assertThat(created.getId()).matches("[A-Z0-9]{8}");
    assertThat(created.getPercentOff()).isEqualByComparingTo("25.5");
    assertThat(created.getAmountOff()).isNull();
    assertThat(created.getDuration()).isEqualTo("repeating");
    assertThat(created.getDurationInMonths()).isEqualTo(3L);
    assertThat(created.getValid()).isTrue();
    assertThat(created.getTimesRedeemed()).isZero();
    assertThat(stripe.v1().coupons().retrieve(created.getId()).getName()).isEqualTo("Launch");
  }

  @Test
  void customIdAmountOffUpdateAndDelete() throws Exception {
    Coupon created =
        stripe
            .v1()
            .coupons()
            .create(
                CouponCreateParams.builder()
                    .setId("FIVE-OFF")
                    .setAmountOff(500L)
                    .setCurrency("USD")
                    .build());
    Coupon renamed =
        stripe
            .v1()
            .coupons()
            .update(
                "FIVE-OFF",
                CouponUpdateParams.builder().setName("Five off").putMetadata("k", "v").build());
    Coupon deleted = stripe.v1().coupons().delete("FIVE-OFF");

    assertThat(created.getId()).isEqualTo("FIVE-OFF");
    assertThat(created.getCurrency()).isEqualTo("usd");
    assertThat(created.getDuration()).isEqualTo("once");
    assertThat(renamed.getName()).isEqualTo("Five off");
    assertThat(renamed.getMetadata()).containsEntry("k", "v");
    assertThat(deleted.getDeleted()).isTrue();
    assertThat(stripe.v1().coupons().list().getData()).isEmpty();
  }

  @Test
  void exactlyOneOfPercentOffAndAmountOff() {
    InvalidRequestException neither =
        catchThrowableOfType(
            InvalidRequestException.class,
            () -> stripe.v1().coupons().create(CouponCreateParams.builder().build()));
    InvalidRequestException noCurrency =
        catchThrowableOfType(
            InvalidRequestException.class,
            () ->
                stripe
                    .v1()
                    .coupons()
                    .create(CouponCreateParams.builder().setAmountOff(100L).build()));
    InvalidRequestException noMonths =
        catchThrowableOfType(
            InvalidRequestException.class,
            () ->
                stripe
                    .v1()
                    .coupons()
                    .create(
                        CouponCreateParams.builder()
                            .setPercentOff(BigDecimal.TEN)
                            .setDuration(CouponCreateParams.Duration.REPEATING)
                            .build()));

    assertThat(neither.getStatusCode()).isEqualTo(400);
    assertThat(noCurrency.getCode()).isEqualTo("parameter_missing");
    assertThat(noCurrency.getParam()).isEqualTo("currency");
    assertThat(noMonths.getParam()).isEqualTo("duration_in_months");
  }
}
