package dev.stripeedge.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StripeRoutesTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
          /v1/customers                            | /v1/customers                          | customers                 | COLLECTION    | -
          /v1/customers/cus_123                    | /v1/customers/{id}                     | customers                 | OBJECT        | cus_123
          /v1/customers/search                     | /v1/customers/search                   | customers                 | SEARCH        | -
          /v1/customers/cus_1/sources              | /v1/customers/{id}/sources             | customers                 | SUB_PATH      | cus_1
          /v1/customers/cus_1/sources/card_2       | /v1/customers/{id}/sources/{id2}       | customers                 | NESTED_OBJECT | card_2
          /v1/customers/cus_1/sources/ba_2/verify  | /v1/customers/{id}/sources/{id2}/verify| customers                 | NESTED_OBJECT | ba_2
          /v1/payment_intents/pi_1/confirm         | /v1/payment_intents/{id}/confirm       | payment_intents           | SUB_PATH      | pi_1
          /v1/products/gold                        | /v1/products/{id}                      | products                  | OBJECT        | gold
          /v1/events                               | /v1/events                             | events                    | COLLECTION    | -
          /v1/events/evt_1                         | /v1/events/{id}                        | events                    | OBJECT        | evt_1
          /v1/balance                              | /v1/balance                            | balance                   | SINGLETON     | -
          /v1/balance/history                      | /v1/balance/history                    | balance                   | SUB_PATH      | -
          /v1/invoices/upcoming                    | /v1/invoices/upcoming                  | invoices                  | SUB_PATH      | -
          /v1/checkout/sessions/cs_1               | /v1/checkout/sessions/{id}             | checkout.sessions         | OBJECT        | cs_1
          /v1/checkout/sessions/cs_1/line_items    | /v1/checkout/sessions/{id}/line_items  | checkout.sessions         | SUB_PATH      | cs_1
          /v2/core/events/evt_1                    | /v2/core/events/{id}                   | core.events               | OBJECT        | evt_1
          /v2/billing/meter_events                 | /v2/billing/meter_events               | billing.meter_events      | COLLECTION    | -
          /healthz                                 | /healthz                               | unknown                   | UNKNOWN       | -
          """)
  void classifies(String path, String template, String resource, Route.Kind kind, String id) {
    Route route = StripeRoutes.classify(path);

    assertThat(route.template()).isEqualTo(template);
    assertThat(route.resource()).isEqualTo(resource);
    assertThat(route.kind()).isEqualTo(kind);
    assertThat(route.objectId()).isEqualTo(id);
  }

  @org.junit.jupiter.api.Test
  void nestedRoutesKeepEveryPathId() {
    Route route = StripeRoutes.classify("/v1/customers/cus_1/sources/card_2");

    assertThat(route.pathIds()).isEqualTo(List.of("cus_1", "card_2"));
    assertThat(route.collectionPath()).isEqualTo("/v1/customers");
    assertThat(route.apiVersion()).isEqualTo("v1");
  }
}
