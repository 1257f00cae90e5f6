package dev.stripeedge.core.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StripeEventTest {

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void readsTheFieldsAndEveryIdInsideTheObject() {
    StripeEvent event =
        StripeEvent.parse(
            utf8(
                """
                {"id":"evt_1","object":"event","api_version":"2026-07-29.dahlia","created":17,
                 "data":{"object":{"object":"invoice","lines":{"data":[{"id":"il_1"}]},
                                   "customer":"cus_ref","id":"in_1",
                                   "payment_intent":{"id":"pi_1","object":"payment_intent"}},
                         "previous_attributes":{"status":"draft"}},
                 "request":{"id":"req_1","idempotency_key":null},"type":"invoice.paid"}
                """));

    assertThat(event.id()).isEqualTo("evt_1");
    assertThat(event.type()).isEqualTo("invoice.paid");
    assertThat(event.created()).isEqualTo(17);
    assertThat(event.objectId()).isEqualTo("in_1");
    assertThat(event.account()).isNull();
    assertThat(event.objectIds()).containsExactly("in_1", "il_1", "pi_1");
  }

  @Test
  void theChangeCarriesTheObjectAndItsPreviousAttributesAsSent() {
    byte[] payload =
        utf8(
            "{\"id\":\"evt_3\",\"api_version\":\"2026-07-29.dahlia\",\"created\":5,"
                + "\"type\":\"customer.updated\",\"data\":{\"object\":{\"id\":\"cus_1\","
                + "\"name\":\"B\"},\"previous_attributes\":{\"name\":\"A\"}}}");

    var change = StripeEvent.parse(payload).change(payload);

    assertThat(change).isNotNull();
    assertThat(new String(change.objectJson(), StandardCharsets.UTF_8))
        .isEqualTo("{\"id\":\"cus_1\",\"name\":\"B\"}");
    assertThat(new String(change.previousAttributes(), StandardCharsets.UTF_8))
        .isEqualTo("{\"name\":\"A\"}");
    byte[] created =
        utf8(
            "{\"id\":\"evt_4\",\"api_version\":\"2026-07-29.dahlia\",\"created\":5,"
                + "\"type\":\"customer.created\",\"data\":{\"object\":{\"id\":\"cus_2\"}}}");
    assertThat(StripeEvent.parse(created).change(created).previousAttributes()).isEmpty();
  }

  @Test
  void aDeletionDropsWhatRefersToTheObjectButAnUpdateDoesNot() {
    StripeEvent deleted =
        StripeEvent.parse(
            utf8(
                "{\"id\":\"evt_d\",\"created\":5,\"type\":\"customer.deleted\","
                    + "\"data\":{\"object\":{\"id\":\"cus_9\",\"object\":\"customer\"}}}"));
    StripeEvent updated =
        StripeEvent.parse(
            utf8(
                "{\"id\":\"evt_u\",\"created\":5,\"type\":\"customer.updated\","
                    + "\"data\":{\"object\":{\"id\":\"cus_9\",\"object\":\"customer\"}}}"));

    assertThat(deleted.objectIds()).containsExactly("cus_9", "ref:cus_9");
    assertThat(updated.objectIds()).containsExactly("cus_9");
  }

  @Test
  void connectEventsCarryTheAccount() {
    StripeEvent event =
        StripeEvent.parse(
            utf8(
                "{\"id\":\"evt_2\",\"type\":\"customer.updated\",\"created\":1,"
                    + "\"account\":\"acct_9\",\"data\":{\"object\":{\"id\":\"cus_1\"}}}"));

    assertThat(event.account()).isEqualTo("acct_9");
    assertThat(event.objectIds()).containsExactly("cus_1");
  }

  @Test
  void aConnectEventsChangeCarriesTheAccountSoOnlyThatAccountsEntriesTakeIt() {
    byte[] payload =
        utf8(
            "{\"id\":\"evt_3\",\"type\":\"customer.updated\",\"created\":1,"
                + "\"api_version\":\"2024-06-20\",\"account\":\"acct_9\","
                + "\"data\":{\"object\":{\"id\":\"cus_1\",\"object\":\"customer\"}}}");

    assertThat(StripeEvent.parse(payload).change(payload).account()).isEqualTo("acct_9");
  }

  @Test
  void refusesWhatIsNotAnEvent() {
    assertThatThrownBy(() -> StripeEvent.parse(utf8("not json")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StripeEvent.parse(utf8("[1,2]")))
        .hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> StripeEvent.parse(utf8("{\"id\":\"cus_1\",\"object\":\"customer\"}")))
        .hasMessageContaining("\"customer\"");
    assertThatThrownBy(() -> StripeEvent.parse(utf8("{\"id\":\"evt_1\",\"type\":\"x\"}")))
        .hasMessageContaining("created");
    assertThatThrownBy(
            () -> StripeEvent.parse(utf8("{\"id\":\"evt_1\",\"type\":\"x\",\"created\":1")))
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(
            () -> StripeEvent.parse(utf8("{\"id\":\"evt_1\",\"type\":\"x\",\"created\":1} {}")))
        .hasMessageContaining("trailing");
  }
}
