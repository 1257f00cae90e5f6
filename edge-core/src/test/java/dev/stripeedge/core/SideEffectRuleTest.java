package dev.stripeedge.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SideEffectRuleTest {

  /**
   * Each case: a write as Stripe answers it (bodies shaped like Stripe's own examples), and keys
   * that must be dropped ({@code ref:} a referrer index, {@code collection:} a list).
   */
  static Stream<Arguments> writes() {
    return Stream.of(
        Arguments.of(
            "refund by PaymentIntent changes its charge and PaymentIntent",
            "POST",
            "/v1/refunds",
            "payment_intent=pi_1",
            200,
            "{\"id\":\"re_1\",\"object\":\"refund\",\"charge\":\"ch_1\",\"payment_intent\":\"pi_1\"}",
            "re_1 ch_1 pi_1 collection:/v1/refunds"),
        Arguments.of(
            "partial refund by charge id",
            "POST",
            "/v1/refunds",
            "charge=ch_1&amount=500",
            200,
            "{\"id\":\"re_2\",\"object\":\"refund\",\"charge\":\"ch_1\",\"payment_intent\":\"pi_1\"}",
            "re_2 ch_1 pi_1 collection:/v1/refunds"),
        Arguments.of(
            "capture of a PaymentIntent changes its latest charge and may create charges",
            "POST",
            "/v1/payment_intents/pi_1/capture",
            "",
            200,
            "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"latest_charge\":\"ch_1\","
                + "\"customer\":\"cus_1\",\"invoice\":null}",
            "pi_1 ch_1 cus_1 collection:/v1/charges collection:/v1/payment_intents"),
        Arguments.of(
            "confirm of an invoice's PaymentIntent drops what refers to the invoice",
            "POST",
            "/v1/payment_intents/pi_1/confirm",
            "payment_method=pm_card_visa",
            200,
            "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"latest_charge\":"
                + "{\"id\":\"ch_9\",\"object\":\"charge\"},\"invoice\":\"in_1\"}",
            "pi_1 ch_9 in_1 ref:in_1 collection:/v1/charges"),
        Arguments.of(
            "a declined confirm (402) still changed the PaymentIntent and made a charge",
            "POST",
            "/v1/payment_intents/pi_1/confirm",
            "",
            402,
            "{\"error\":{\"type\":\"card_error\",\"charge\":\"ch_7\",\"payment_intent\":"
                + "{\"id\":\"pi_1\",\"object\":\"payment_intent\",\"latest_charge\":\"ch_7\"}}}",
            "pi_1 ch_7 collection:/v1/charges"),
        Arguments.of(
            "charge capture changes the PaymentIntent",
            "POST",
            "/v1/charges/ch_1/capture",
            "",
            200,
            "{\"id\":\"ch_1\",\"object\":\"charge\",\"payment_intent\":\"pi_1\"}",
            "ch_1 pi_1"),
        Arguments.of(
            "paying an invoice changes its PaymentIntent, charge and subscription",
            "POST",
            "/v1/invoices/in_1/pay",
            "",
            200,
            "{\"id\":\"in_1\",\"object\":\"invoice\",\"payment_intent\":\"pi_1\",\"charge\":\"ch_1\","
                + "\"subscription\":\"sub_1\",\"customer\":\"cus_1\"}",
            "in_1 pi_1 ch_1 sub_1 cus_1 ref:in_1 collection:/v1/invoices"),
        Arguments.of(
            "attach adds to the customer's lists",
            "POST",
            "/v1/payment_methods/pm_1/attach",
            "customer=cus_1",
            200,
            "{\"id\":\"pm_1\",\"object\":\"payment_method\",\"customer\":\"cus_1\"}",
            "pm_1 cus_1 collection:/v1/payment_methods"),
        Arguments.of(
            "detach drops whatever referred to the payment method",
            "POST",
            "/v1/payment_methods/pm_1/detach",
            "",
            200,
            "{\"id\":\"pm_1\",\"object\":\"payment_method\",\"customer\":null}",
            "pm_1 ref:pm_1"),
        Arguments.of(
            "deleting a customer drops its referrers and their lists",
            "DELETE",
            "/v1/customers/cus_1",
            "",
            200,
            "{\"id\":\"cus_1\",\"object\":\"customer\",\"deleted\":true}",
            "cus_1 ref:cus_1 collection:/v1/subscriptions collection:/v1/payment_methods"
                + " collection:/v1/customers"),
        Arguments.of(
            "a subscription creates invoices, PaymentIntents and charges",
            "POST",
            "/v1/subscriptions",
            "customer=cus_1&items[0][price]=price_1",
            200,
            "{\"id\":\"sub_1\",\"object\":\"subscription\",\"customer\":\"cus_1\","
                + "\"latest_invoice\":\"in_1\",\"items\":{\"data\":[{\"id\":\"si_1\"}]}}",
            "sub_1 si_1 cus_1 in_1 collection:/v1/invoices collection:/v1/payment_intents"
                + " collection:/v1/charges"),
        Arguments.of(
            "a subscription item changes its subscription",
            "POST",
            "/v1/subscription_items",
            "subscription=sub_1&price=price_2",
            200,
            "{\"id\":\"si_2\",\"object\":\"subscription_item\",\"subscription\":\"sub_1\"}",
            "si_2 sub_1 collection:/v1/subscription_items"),
        Arguments.of(
            "a customer's nested source names the customer in its path",
            "DELETE",
            "/v1/customers/cus_1/sources/card_1",
            "",
            200,
            "{\"id\":\"card_1\",\"object\":\"card\",\"deleted\":true}",
            "cus_1 card_1 ref:card_1"),
        Arguments.of(
            "an unknown write drops everything it refers to",
            "POST",
            "/v1/treasury/inbound_transfers",
            "financial_account=fa_1a2b3c4d&amount=100&currency=usd",
            200,
            "{\"id\":\"ibt_1\",\"object\":\"treasury.inbound_transfer\","
                + "\"origin_payment_method\":\"pm_9z8y7x6w\",\"status\":\"processing\"}",
            "ibt_1 fa_1a2b3c4d pm_9z8y7x6w collection:/v1/treasury/inbound_transfers"),
        Arguments.of(
            "an update of a plain object drops only that object and its lists",
            "POST",
            "/v1/customers/cus_1",
            "email=a%40example.com",
            200,
            "{\"id\":\"cus_1\",\"object\":\"customer\",\"default_source\":\"card_1\"}",
            "cus_1 collection:/v1/customers"),
        Arguments.of(
            "paying an invoice in API versions after 2025-03-31 names its subscription in parent",
            "POST",
            "/v1/invoices/in_2/pay",
            "",
            200,
            "{\"id\":\"in_2\",\"object\":\"invoice\",\"parent\":{\"type\":"
                + "\"subscription_details\",\"subscription_details\":{\"subscription\":\"sub_2\"}}}",
            "in_2 sub_2 ref:in_2 collection:/v1/charges collection:/v1/payment_intents"),
        Arguments.of(
            "confirming a PaymentIntent drops what refers to it (an invoice's payments list it)",
            "POST",
            "/v1/payment_intents/pi_5/confirm",
            "",
            200,
            "{\"id\":\"pi_5\",\"object\":\"payment_intent\",\"latest_charge\":\"ch_5\"}",
            "pi_5 ch_5 ref:pi_5"),
        Arguments.of(
            "finalizing an invoice creates its PaymentIntent",
            "POST",
            "/v1/invoices/in_3/finalize",
            "",
            200,
            "{\"id\":\"in_3\",\"object\":\"invoice\",\"payment_intent\":\"pi_3\","
                + "\"customer\":\"cus_3\"}",
            "in_3 pi_3 cus_3 ref:in_3 collection:/v1/payment_intents"),
        Arguments.of(
            "confirming a SetupIntent attaches its payment method to the customer",
            "POST",
            "/v1/setup_intents/seti_1/confirm",
            "payment_method=pm_card_visa",
            200,
            "{\"id\":\"seti_1\",\"object\":\"setup_intent\",\"customer\":\"cus_4\","
                + "\"payment_method\":\"pm_4\"}",
            "seti_1 cus_4 pm_4 collection:/v1/payment_methods"),
        Arguments.of(
            "a transfer from a charge changes the charge",
            "POST",
            "/v1/transfers",
            "amount=100&currency=usd&destination=acct_1&source_transaction=ch_8",
            200,
            "{\"id\":\"tr_1\",\"object\":\"transfer\",\"source_transaction\":\"ch_8\"}",
            "tr_1 ch_8 collection:/v1/transfers"),
        Arguments.of(
            "closing a dispute changes its charge and PaymentIntent",
            "POST",
            "/v1/disputes/dp_1/close",
            "",
            200,
            "{\"id\":\"dp_1\",\"object\":\"dispute\",\"charge\":\"ch_9\","
                + "\"payment_intent\":\"pi_9\"}",
            "dp_1 ch_9 pi_9"),
        Arguments.of(
            "expiring a Checkout Session cancels its PaymentIntent",
            "POST",
            "/v1/checkout/sessions/cs_1/expire",
            "",
            200,
            "{\"id\":\"cs_1\",\"object\":\"checkout.session\",\"payment_intent\":\"pi_7\"}",
            "cs_1 pi_7 collection:/v1/checkout/sessions"),
        Arguments.of(
            "releasing a subscription schedule changes the subscription it released",
            "POST",
            "/v1/subscription_schedules/sub_sched_1/release",
            "",
            200,
            "{\"id\":\"sub_sched_1\",\"object\":\"subscription_schedule\","
                + "\"released_subscription\":\"sub_6\"}",
            "sub_sched_1 sub_6 collection:/v1/subscriptions"),
        Arguments.of(
            "a customer's tax id falls back to everything named: the customer in its path",
            "POST",
            "/v1/customers/cus_7/tax_ids",
            "type=eu_vat&value=DE123456789",
            200,
            "{\"id\":\"txi_1\",\"object\":\"tax_id\",\"customer\":\"cus_7\"}",
            "cus_7 txi_1 collection:/v1/customers"),
        Arguments.of(
            "a 5xx may have been applied: drop what the request names",
            "POST",
            "/v1/refunds",
            "charge=ch_1",
            500,
            "{\"error\":{\"type\":\"api_error\"}}",
            "ch_1 collection:/v1/refunds"),
        Arguments.of(
            "no answer at all: drop what the request names",
            "POST",
            "/v1/payment_methods/pm_1/attach",
            "customer=cus_1",
            0,
            "",
            "pm_1 cus_1 collection:/v1/payment_methods"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("writes")
  void dropsWhatTheWriteChanged(
      String name,
      String method,
      String path,
      String form,
      int status,
      String answer,
      String expected) {
    Set<String> keys =
        SideEffectRule.affected(
                method,
                StripeRoutes.classify(path),
                form.getBytes(StandardCharsets.UTF_8),
                status,
                answer.getBytes(StandardCharsets.UTF_8))
            .stream()
            .map(Dependency::key)
            .collect(Collectors.toSet());
    assertThat(keys).containsAll(Arrays.asList(expected.split(" ")));
  }

  @ParameterizedTest(name = "status {0}")
  @ValueSource(ints = {400, 401, 403, 404, 429})
  void aWriteStripeRefusedUntouchedDropsNothing(int status) {
    assertThat(
            SideEffectRule.affected(
                "DELETE",
                StripeRoutes.classify("/v1/customers/cus_1"),
                new byte[0],
                status,
                "{\"error\":{\"type\":\"invalid_request_error\"}}"
                    .getBytes(StandardCharsets.UTF_8)))
        .isEmpty();
  }

  @Test
  void readsDropNothing() {
    assertThat(
            SideEffectRule.affected(
                "GET", StripeRoutes.classify("/v1/charges/ch_1"), new byte[0], 200, new byte[0]))
        .isEmpty();
  }

  @Test
  void anUpdateDoesNotDropTheObjectsItMerelyRefersTo() {
    Set<String> keys =
        SideEffectRule.affected(
                "POST",
                StripeRoutes.classify("/v1/customers/cus_1"),
                "metadata[a]=b".getBytes(StandardCharsets.UTF_8),
                200,
                "{\"id\":\"cus_1\",\"default_source\":\"card_1\"}".getBytes(StandardCharsets.UTF_8))
            .stream()
            .map(Dependency::key)
            .collect(Collectors.toSet());
    assertThat(keys).doesNotContain("card_1", "ref:cus_1");
  }

  @Test
  void malformedBodiesNeitherThrowNorDropStrangers() {
    assertThat(
            SideEffectRule.affected(
                    "POST",
                    StripeRoutes.classify("/v1/refunds"),
                    "charge=%zz&=x&&payment_intent".getBytes(StandardCharsets.UTF_8),
                    200,
                    "{not json".getBytes(StandardCharsets.UTF_8))
                .stream()
                .map(Dependency::key))
        .containsExactly("collection:/v1/refunds");
  }

  @Test
  void everyRowMatchesTheRouteItNames() {
    for (SideEffectRule.Row row : SideEffectRule.TABLE) {
      String path =
          row.template().replace("{id}", "x_1").replace("{id2}", "y_1").replace("*", "act");
      assertThat(SideEffectRule.rowFor(row.method(), StripeRoutes.classify(path)))
          .as(row.template())
          .isSameAs(row);
    }
  }

  @Test
  void theDocumentationShowsTheTable() throws Exception {
    Path doc = Path.of("..", "docs", "edge.md");
    assertThat(Files.readString(doc)).contains(SideEffectRule.markdownTable());
  }
}
