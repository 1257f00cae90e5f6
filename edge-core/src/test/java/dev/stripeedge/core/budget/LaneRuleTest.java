package dev.stripeedge.core.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.StripeRoutes;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LaneRuleTest {

  private static final LaneRule RULE =
      LaneRule.stripe(
          Map.of("POST /v1/customers", Lane.CRITICAL, "GET /v1/balance", Lane.BACKGROUND));

  @ParameterizedTest(name = "{0} {1} priority=''{2}'' -> {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "POST | /v1/payment_intents                  |          | CRITICAL",
        "POST | /v1/payment_intents/pi_1             |          | CRITICAL",
        "POST | /v1/payment_intents/pi_1/confirm     |          | CRITICAL",
        "POST | /v1/payment_intents/pi_1/capture     |          | CRITICAL",
        "POST | /v1/charges                          |          | CRITICAL",
        "POST | /v1/refunds                          |          | CRITICAL",
        "POST | /v1/checkout/sessions                |          | CRITICAL",
        "POST | /v1/setup_intents/seti_1/confirm     |          | CRITICAL",
        "POST | /v1/invoices/in_1/pay                |          | CRITICAL",
        "POST | /v1/subscriptions                    |          | NORMAL",
        "GET  | /v1/payment_intents/pi_1             |          | NORMAL",
        "GET  | /v1/customers/cus_1                  |          | NORMAL",
        "GET  | /v1/invoices/upcoming                |          | NORMAL",
        "GET  | /v1/customers                        |          | BACKGROUND",
        "GET  | /v1/payment_intents                  |          | BACKGROUND",
        "GET  | /v1/customers/search                 |          | BACKGROUND",
        "GET  | /v1/customers/cus_1/sources          |          | BACKGROUND",
        "GET  | /v1/events                           |          | BACKGROUND",
        "GET  | /v1/events/evt_1                     |          | BACKGROUND",
        "GET  | /v1/balance/history                  |          | BACKGROUND",
        "DELETE | /v1/customers/cus_1                |          | NORMAL",
        "GET  | /healthz                             |          | NORMAL",
        // Overrides from config win over route defaults.
        "POST | /v1/customers                        |          | CRITICAL",
        "GET  | /v1/balance                          |          | BACKGROUND",
        // RFC 9218 urgency wins over everything; 2..4 and junk fall through.
        "GET  | /v1/customers                        | u=0      | CRITICAL",
        "GET  | /v1/customers                        | u=1, i   | CRITICAL",
        "POST | /v1/payment_intents                  | u=5      | BACKGROUND",
        "POST | /v1/payment_intents                  | i, u=7   | BACKGROUND",
        "POST | /v1/payment_intents                  | u=3      | CRITICAL",
        "GET  | /v1/customers                        | u=4      | BACKGROUND",
        "GET  | /v1/customers/cus_1                  | u=9      | NORMAL",
        "GET  | /v1/customers/cus_1                  | urgent   | NORMAL",
      })
  void decides(String method, String path, String priority, Lane expected) {
    Map<String, List<String>> headers =
        priority == null ? Map.of() : Map.of("Priority", List.of(priority));
    EdgeRequest request = new EdgeRequest(method, path, "", headers, new byte[0]);

    assertThat(RULE.decide(request, StripeRoutes.classify(path))).isEqualTo(expected);
  }
}
