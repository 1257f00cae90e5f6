package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.stripe.StripeClient;
import com.stripe.model.Product;
import com.stripe.model.StripeCollection;
import com.stripe.param.ProductCreateParams;
import com.stripe.param.ProductListParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** List paging and ordering on a billing resource, with a clock that moves only when told. */
class BillingListsIT {

  @RegisterExtension
  static StripeSimExtension sim =
      StripeSimExtension.withManualClock(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static List<String> create(StripeClient client, int count) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(
          client
              .v1()
              .products()
              .create(ProductCreateParams.builder().setName("p" + i).build())
              .getId());
    }
    return ids;
  }

  @Test
  void sameSecondObjectsListNewestFirst() throws Exception {
    StripeClient client = Clients.fresh(sim, "list_order");
    List<String> ids = create(client, 5);
    StripeCollection<Product> page = client.v1().products().list();
    assertThat(page.getData())
        .extracting(Product::getCreated)
        .containsOnly(page.getData().get(0).getCreated());
    assertThat(page.getData()).extracting(Product::getId).containsExactlyElementsOf(ids.reversed());
  }

  @Test
  void limitAndStartingAfterPageBackwardsInTime() throws Exception {
    StripeClient client = Clients.fresh(sim, "list_after");
    List<String> ids = create(client, 5).reversed();
    StripeCollection<Product> first =
        client.v1().products().list(ProductListParams.builder().setLimit(2L).build());
    assertThat(first.getData()).extracting(Product::getId).containsExactly(ids.get(0), ids.get(1));
    assertThat(first.getHasMore()).isTrue();
    StripeCollection<Product> last =
        client
            .v1()
            .products()
            .list(ProductListParams.builder().setLimit(3L).setStartingAfter(ids.get(1)).build());
    assertThat(last.getData())
        .extracting(Product::getId)
        .containsExactly(ids.get(2), ids.get(3), ids.get(4));
    assertThat(last.getHasMore()).isFalse();
  }

  @Test
  void endingBeforeReturnsTheNewerNeighbours() throws Exception {
    StripeClient client = Clients.fresh(sim, "list_before");
    List<String> ids = create(client, 5).reversed();
    StripeCollection<Product> page =
        client
            .v1()
            .products()
            .list(ProductListParams.builder().setLimit(2L).setEndingBefore(ids.get(3)).build());
    assertThat(page.getData()).extracting(Product::getId).containsExactly(ids.get(1), ids.get(2));
    assertThat(page.getHasMore()).isTrue();
  }

  @Test
  void autoPagingVisitsEveryProductOnce() throws Exception {
    StripeClient client = Clients.fresh(sim, "list_auto");
    List<String> ids = create(client, 7);
    List<String> seen = new ArrayList<>();
    client
        .v1()
        .products()
        .list(ProductListParams.builder().setLimit(3L).build())
        .autoPagingIterable()
        .forEach(p -> seen.add(p.getId()));
    assertThat(seen).containsExactlyElementsOf(ids.reversed());
  }

  @Test
  void createdGteKeepsOnlyLaterObjects() throws Exception {
    StripeClient client = Clients.fresh(sim, "list_created");
    create(client, 2);
    sim.sim().advanceClock(Duration.ofSeconds(10));
    List<String> later = create(client, 2);
    long since = client.v1().products().retrieve(later.get(0)).getCreated();
    StripeCollection<Product> page =
        client
            .v1()
            .products()
            .list(
                ProductListParams.builder()
                    .setCreated(ProductListParams.Created.builder().setGte(since).build())
                    .build());
    assertThat(page.getData())
        .extracting(Product::getId)
        .containsExactlyElementsOf(later.reversed());
  }
}
