package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimHttp;
import dev.stripeedge.sim.internal.wire.Json;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Error objects as Stripe sends them, field by field: {@code type}, {@code code}, {@code
 * decline_code}, {@code param}, {@code doc_url}, {@code request_log_url}, and the ids a card error
 * carries ({@code charge}, {@code payment_intent}). One row per error the simulator produces.
 */
class ErrorDetailsIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final AtomicInteger ACCOUNTS = new AtomicInteger();
  private final SimHttp http = new SimHttp(sim.baseUrl());
  private final String key = "sk_test_errors_" + ACCOUNTS.incrementAndGet();

  /** Stripe's documented declining test cards: token, code, decline_code, param, message. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
          chargeDeclined                  | card_declined    | generic_decline        | -         | -                 | 05 | Your card was declined.
          chargeDeclinedInsufficientFunds | card_declined    | insufficient_funds     | -         | try_again_later   | 51 | Your card has insufficient funds.
          chargeDeclinedLostCard          | card_declined    | lost_card              | -         | do_not_try_again  | 41 | Your card was declined.
          chargeDeclinedStolenCard        | card_declined    | stolen_card            | -         | do_not_try_again  | 43 | Your card was declined.
          chargeDeclinedFraudulent        | card_declined    | fraudulent             | -         | -                 | -  | Your card was declined.
          chargeDeclinedIncorrectCvc      | incorrect_cvc    | incorrect_cvc          | cvc       | confirm_card_data | N7 | Your card's security code is incorrect.
          chargeDeclinedExpiredCard       | expired_card     | expired_card           | exp_month | confirm_card_data | 54 | Your card has expired.
          chargeDeclinedProcessingError   | processing_error | processing_error       | -         | try_again_later   | -  | An error occurred while processing your card. Try again in a little bit.
          chargeDeclinedVelocityLimitExceeded | card_declined | card_velocity_exceeded | -        | try_again_later   | 61 | Your card was declined for making repeated attempts too frequently or exceeding its amount limit.
          """)
  void chargeDeclines(
      String card,
      String code,
      String declineCode,
      @Nullable String param,
      @Nullable String adviceCode,
      @Nullable String networkDeclineCode,
      String message) {
    HttpResponse<String> response =
        http.post("/v1/charges", key, "amount=1000&currency=usd&source=tok_" + card);

    JsonNode error = error(response, 402, "card_error", code, param);
    assertThat(error.path("decline_code").asText()).isEqualTo(declineCode);
    assertThat(error.path("message").asText()).isEqualTo(message);
    assertThat(text(error, "advice_code")).isEqualTo(adviceCode);
    assertThat(text(error, "network_decline_code")).isEqualTo(networkDeclineCode);
    String charge = error.path("charge").asText();
    assertThat(charge).startsWith("ch_");
    // The failed charge is stored, as at Stripe, and says why it failed.
    JsonNode stored = json(http.get("/v1/charges/" + charge, key));
    assertThat(stored.path("status").asText()).isEqualTo("failed");
    assertThat(stored.path("failure_code").asText()).isEqualTo(code);
    // The charge's outcome carries the same advice and issuer code.
    assertThat(text(stored.path("outcome"), "advice_code")).isEqualTo(adviceCode);
    assertThat(text(stored.path("outcome"), "network_decline_code")).isEqualTo(networkDeclineCode);
  }

  private static @Nullable String text(JsonNode object, String field) {
    JsonNode value = object.path(field);
    return value.isMissingNode() || value.isNull() ? null : value.asText();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
          chargeDeclined                | card_declined    | generic_decline    | -
          chargeDeclinedInsufficientFunds | card_declined  | insufficient_funds | -
          chargeDeclinedIncorrectCvc    | incorrect_cvc    | incorrect_cvc      | cvc
          chargeDeclinedExpiredCard     | expired_card     | expired_card       | exp_month
          chargeDeclinedProcessingError | processing_error | processing_error   | -
          """)
  void paymentIntentDeclines(String card, String code, String declineCode, @Nullable String param) {
    HttpResponse<String> response =
        http.post(
            "/v1/payment_intents",
            key,
            "amount=1000&currency=usd&confirm=true&payment_method_types[]=card"
                + "&payment_method=pm_card_"
                + card);

    JsonNode error = error(response, 402, "card_error", code, param);
    assertThat(error.path("decline_code").asText()).isEqualTo(declineCode);
    assertThat(error.path("charge").asText()).startsWith("ch_");
    JsonNode pi = error.path("payment_intent");
    assertThat(pi.path("id").asText()).startsWith("pi_");
    assertThat(pi.path("status").asText()).isEqualTo("requires_payment_method");
    assertThat(pi.path("last_payment_error").path("decline_code").asText()).isEqualTo(declineCode);
    assertThat(text(pi.path("last_payment_error"), "advice_code"))
        .isEqualTo(text(error, "advice_code"));
    assertThat(text(pi.path("last_payment_error"), "network_decline_code"))
        .isEqualTo(text(error, "network_decline_code"));
    assertThat(error.path("payment_method").path("id").asText()).startsWith("pm_");
  }

  @Test
  void anExpiredCardNamesTheYearOrTheMonth() {
    int year = java.time.Year.now(java.time.ZoneOffset.UTC).getValue();

    error(
        http.post(
            "/v1/payment_methods",
            key,
            "type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]="
                + (year - 1)),
        402,
        "card_error",
        "invalid_expiry_year",
        "card[exp_year]");
    error(
        http.post(
            "/v1/payment_methods",
            key,
            "type=card&card[number]=4242424242424242&card[exp_month]=13&card[exp_year]="
                + (year + 1)),
        402,
        "card_error",
        "invalid_expiry_month",
        "card[exp_month]");
  }

  @Test
  void incorrectNumberNamesTheNumber() {
    HttpResponse<String> response =
        http.post(
            "/v1/payment_methods",
            key,
            "type=card&card[number]=4242424242424241&card[exp_month]=12&card[exp_year]=2030");

    JsonNode error = error(response, 402, "card_error", "incorrect_number", "card[number]");
    assertThat(error.has("decline_code")).isFalse();
  }

  /** Invalid-request errors: request, status, code, param. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
          POST /v1/customers | bogus=1                                   | 400 | parameter_unknown             | bogus
          POST /v1/payment_intents | currency=usd                        | 400 | parameter_missing             | amount
          POST /v1/payment_intents | amount=ten&currency=usd             | 400 | parameter_invalid_integer     | amount
          POST /v1/payment_intents | amount=10&currency=usd              | 400 | amount_too_small              | amount
          POST /v1/refunds | charge=ch_nope&reason=because                 | 400 | parameter_invalid_string_enum | reason
          POST /v1/payment_intents | amount=1000&currency=usd&capture_method=later | 400 | parameter_invalid_string_enum | capture_method
          POST /v1/prices | currency=usd&unit_amount=5&product_data[name]=x&recurring[interval]=fortnight | 400 | parameter_invalid_string_enum | recurring[interval]
          GET /v1/customers/cus_nope | -                                  | 404 | resource_missing              | id
          POST /v1/refunds | charge=ch_nope                                | 404 | resource_missing              | charge
          GET /v1/customers?limit=1000 | -                               | 400 | parameter_invalid_integer     | limit
          POST /v1/customers | email=notanemail                          | 400 | email_invalid                 | email
          POST /v1/refunds | charge=ch_nope&amount=abc                     | 400 | parameter_invalid_integer     | amount
          """)
  void invalidRequests(
      String request, @Nullable String form, int status, String code, String param) {
    String[] parts = request.split(" ");
    HttpResponse<String> response =
        parts[0].equals("GET") ? http.get(parts[1], key) : http.post(parts[1], key, form);

    error(response, status, "invalid_request_error", code, param);
  }

  @Test
  void enumErrorsListTheAllowedValues() {
    JsonNode error =
        error(
            http.post("/v1/refunds", key, "charge=ch_nope&reason=because"),
            400,
            "invalid_request_error",
            "parameter_invalid_string_enum",
            "reason");

    assertThat(error.path("message").asText())
        .isEqualTo(
            "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer");
  }

  @Test
  void anUnknownStripeAccountIsAccountInvalid() {
    HttpResponse<String> response =
        http.send(
            http.request("/v1/customers", key)
                .header("Stripe-Account", "acct_1NotMine")
                .GET()
                .build());

    JsonNode error = error(response, 403, "invalid_request_error", "account_invalid", null);
    assertThat(error.path("message").asText()).contains("acct_1NotMine");
  }

  /** Checks the shared fields and returns the error object. */
  private static JsonNode error(
      HttpResponse<String> response, int status, String type, String code, @Nullable String param) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode error = json(response).path("error");
    assertThat(error.path("type").asText()).as(response.body()).isEqualTo(type);
    assertThat(error.path("code").asText()).as(response.body()).isEqualTo(code);
    if (param == null) {
      assertThat(error.has("param")).as(response.body()).isFalse();
    } else {
      assertThat(error.path("param").asText()).as(response.body()).isEqualTo(param);
    }
    assertThat(error.path("doc_url").asText())
        .isEqualTo("https://stripe.com/docs/error-codes/" + code.replace('_', '-'));
    String requestId = response.headers().firstValue("Request-Id").orElseThrow();
    assertThat(error.path("request_log_url").asText())
        .matches("https://dashboard\\.stripe\\.com/test/logs/" + requestId + "\\?t=\\d{10}");
    assertThat(error.path("message").asText()).isNotBlank();
    return error;
  }

  private static JsonNode json(HttpResponse<String> response) {
    try {
      return Json.MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
