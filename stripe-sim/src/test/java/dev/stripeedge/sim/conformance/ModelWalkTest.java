package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stripeedge.sim.internal.wire.Json;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The model walk finds unknown keys at every depth it claims to follow. */
class ModelWalkTest {

  @Test
  void unknownKeysAreFoundInNestedObjectsExpansionsListsAndCollections() throws Exception {
    JsonNode charge =
        Json.MAPPER.readTree(
            """
            {"id": "ch_1", "bogus": 1,
             "outcome": {"type": "authorized", "nested_bogus": 1},
             "customer": {"id": "cus_1", "object": "customer", "expanded_bogus": 1},
             "refunds": {"object": "list", "data": [{"id": "re_1", "listed_bogus": 1}]},
             "payment_method_details": {"card": {"brand": "visa", "deep_bogus": 1}},
             "metadata": {"anything": "goes"}}
            """);
    TreeSet<String> out = new TreeSet<>();

    ModelWalk.compare("charge", "", com.stripe.model.Charge.class, charge, out);

    assertThat(out)
        .containsExactly(
            "charge +bogus",
            "charge +customer.expanded_bogus",
            "charge +outcome.nested_bogus",
            "charge +payment_method_details.card.deep_bogus",
            "charge +refunds.data[].listed_bogus");
  }

  @Test
  void listsOfObjectsAndOfExpandableIdsAreFollowed() throws Exception {
    JsonNode subscription =
        Json.MAPPER.readTree(
            """
            {"items": {"object": "list", "data": [{"price": {"recurring": {"x_bogus": 1}}}]},
             "discounts": [{"id": "di_1", "object": "discount", "d_bogus": 1}]}
            """);
    TreeSet<String> out = new TreeSet<>();

    ModelWalk.compare("subscription", "", com.stripe.model.Subscription.class, subscription, out);

    assertThat(out)
        .containsExactly(
            "subscription +discounts[].d_bogus",
            "subscription +items.data[].price.recurring.x_bogus");
  }
}
