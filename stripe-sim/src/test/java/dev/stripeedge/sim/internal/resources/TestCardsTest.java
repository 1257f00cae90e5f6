package dev.stripeedge.sim.internal.resources;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TestCardsTest {

  @ParameterizedTest
  @CsvSource({
    "tok_visa, visa, 4242, credit, succeeds",
    "tok_mastercard, mastercard, 4444, credit, succeeds",
    "tok_amex, amex, 0005, credit, succeeds",
    "tok_visa_debit, visa, 5556, debit, succeeds",
    "tok_riskLevelElevated, visa, 9235, credit, succeeds",
    "tok_chargeDeclined, visa, 0002, credit, generic_decline",
    "tok_chargeDeclinedInsufficientFunds, visa, 9995, credit, insufficient_funds",
    "tok_chargeDeclinedFraudulent, visa, 0019, credit, fraudulent",
    "tok_chargeDeclinedIncorrectCvc, visa, 0127, credit, incorrect_cvc",
    "tok_chargeDeclinedExpiredCard, visa, 0069, credit, expired_card",
    "tok_chargeDeclinedProcessingError, visa, 0119, credit, processing_error",
    "tok_chargeCustomerFail, visa, 0341, credit, generic_decline",
  })
  void tokens(String token, String brand, String last4, String funding, String result) {
    TestCards.Card card = TestCards.token(token);

    assertThat(card).isNotNull();
    assertThat(card.brand()).isEqualTo(brand);
    assertThat(card.last4()).isEqualTo(last4);
    assertThat(card.funding()).isEqualTo(funding);
    assertThat(card.country()).isEqualTo("US");
    assertThat(resultOf(card)).isEqualTo(result);
  }

  @ParameterizedTest
  @CsvSource({
    "pm_card_visa, 4242, succeeds",
    "pm_card_mastercard, 4444, succeeds",
    "pm_card_amex, 0005, succeeds",
    "pm_card_chargeDeclined, 0002, generic_decline",
    "pm_card_visa_chargeDeclined, 0002, generic_decline",
    "pm_card_chargeDeclinedInsufficientFunds, 9995, insufficient_funds",
    "pm_card_authenticationRequired, 3184, requires_action",
    "pm_card_threeDSecure2Required, 3220, requires_action",
  })
  void paymentMethods(String id, String last4, String result) {
    TestCards.Card card = TestCards.paymentMethod(id);

    assertThat(card).isNotNull();
    assertThat(card.last4()).isEqualTo(last4);
    assertThat(resultOf(card)).isEqualTo(result);
  }

  @ParameterizedTest
  @CsvSource({
    "4242424242424242, visa, succeeds",
    "4000000000000002, visa, generic_decline",
    "4000000000009995, visa, insufficient_funds",
    "4000000000009987, visa, lost_card",
    "4000000000000069, visa, expired_card",
    "4000000000000127, visa, incorrect_cvc",
    "4000000000000119, visa, processing_error",
    "4000002500003155, visa, requires_action",
    "4000000000003220, visa, requires_action",
    "4100000000000019, visa, fraudulent",
    "4000000000000341, visa, generic_decline",
    "5105105105105100, mastercard, succeeds",
  })
  void numbers(String number, String brand, String result) {
    TestCards.Card card = TestCards.number(number);

    assertThat(card).isNotNull();
    assertThat(card.brand()).isEqualTo(brand);
    assertThat(card.last4()).isEqualTo(number.substring(12));
    assertThat(resultOf(card)).isEqualTo(result);
  }

  /** Stripe's cards by country: a token and a payment method each, issued there. */
  @ParameterizedTest
  @CsvSource({
    "us, 4242, US",
    "br, 0002, BR",
    "ca, 0000, CA",
    "mx, 8001, MX",
    "de, 0016, DE",
    "fr, 0003, FR",
    "gb, 0000, GB",
    "gb_debit, 0005, GB",
    "jp, 0003, JP",
    "au, 0006, AU",
    "sg, 0003, SG",
    "in, 0008, IN",
  })
  void countryCards(String country, String last4, String issuedIn) {
    for (TestCards.Card card :
        new TestCards.Card[] {
          TestCards.token("tok_" + country), TestCards.paymentMethod("pm_card_" + country)
        }) {
      assertThat(card).as(country).isNotNull();
      assertThat(card.country()).isEqualTo(issuedIn);
      assertThat(card.last4()).isEqualTo(last4);
      assertThat(resultOf(card)).isEqualTo("succeeds");
    }
    assertThat(TestCards.token("tok_gb_debit").funding()).isEqualTo("debit");
  }

  @Test
  void everyTableNumberPassesTheLuhnCheck() {
    // Stripe's test numbers are real card numbers in form: a mistyped one would fail this.
    for (TestCards.Card card : TestCards.all()) {
      int sum = 0;
      boolean doubled = false;
      for (int i = card.number().length() - 1; i >= 0; i--) {
        int digit = card.number().charAt(i) - '0';
        if (doubled) {
          digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
        }
        sum += digit;
        doubled = !doubled;
      }
      assertThat(sum % 10).as(card.key() + " " + card.number()).isZero();
    }
  }

  @Test
  void threeDSecureCards() {
    assertThat(TestCards.paymentMethod("pm_card_threeDSecureOptional").outcome())
        .isInstanceOf(TestCards.Succeeds.class);
    assertThat(TestCards.paymentMethod("pm_card_threeDSecureRequired").outcome())
        .isEqualTo(new TestCards.RequiresAction(false, null));
    assertThat(TestCards.paymentMethod("pm_card_authenticationRequiredOnSetup").outcome())
        .isEqualTo(new TestCards.RequiresAction(true, null));
    assertThat(
            TestCards.paymentMethod("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds")
                .outcome())
        .isInstanceOfSatisfying(
            TestCards.RequiresAction.class,
            r -> assertThat(r.afterAuthentication().declineCode()).isEqualTo("insufficient_funds"));
    assertThat(TestCards.token("tok_cvcCheckFail").outcome())
        .isInstanceOfSatisfying(
            TestCards.Declined.class, d -> assertThat(d.param()).isEqualTo("cvc"));
    assertThat(TestCards.number("4000002500001001").country()).isEqualTo("FR");
    assertThat(TestCards.number("6011981111111113").funding()).isEqualTo("debit");
  }

  @Test
  void aNumberFailingLuhnIsNoCard() {
    assertThat(TestCards.number("4242424242424241")).isNull();
  }

  @Test
  void unknownMagicIdsAreNoCard() {
    assertThat(TestCards.token("tok_nope")).isNull();
    assertThat(TestCards.paymentMethod("pm_card_nope")).isNull();
    assertThat(TestCards.paymentMethod("pm_123")).isNull();
  }

  @Test
  void chargeCustomerFailStillAttaches() {
    TestCards.Card card = TestCards.token("tok_chargeCustomerFail");

    assertThat(card.outcome())
        .isInstanceOfSatisfying(TestCards.Declined.class, d -> assertThat(d.onAttach()).isFalse());
  }

  @Test
  void declineCarriesCodeMessageAndParam() {
    assertThat(TestCards.token("tok_chargeDeclinedIncorrectCvc").outcome())
        .isEqualTo(
            new TestCards.Declined(
                "incorrect_cvc",
                "incorrect_cvc",
                "Your card's security code is incorrect.",
                "cvc",
                false,
                true));
  }

  @Test
  void legacyBrandIsCapitalised() {
    assertThat(TestCards.token("tok_amex").legacyBrand()).isEqualTo("American Express");
    assertThat(TestCards.token("tok_mastercard").legacyBrand()).isEqualTo("MasterCard");
    assertThat(TestCards.token("tok_visa").legacyBrand()).isEqualTo("Visa");
  }

  @Test
  void elevatedRiskSucceedsWithRiskLevel() {
    assertThat(TestCards.token("tok_riskLevelElevated").outcome())
        .isEqualTo(new TestCards.Succeeds("elevated", 74));
  }

  private static String resultOf(TestCards.Card card) {
    return switch (card.outcome()) {
      case TestCards.Succeeds s -> "succeeds";
      case TestCards.Declined d -> d.declineCode();
      case TestCards.RequiresAction r -> "requires_action";
    };
  }
}
