package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.stripe.model.Event;
import com.stripe.model.Price;
import com.stripe.model.Product;
import com.stripe.model.StripeCollection;
import com.stripe.model.StripeSearchResult;
import com.stripe.param.EventListParams;
import com.stripe.param.PriceCreateParams;
import com.stripe.param.ProductCreateParams;
import com.stripe.param.ProductListParams;
import com.stripe.param.ProductSearchParams;
import com.stripe.param.ProductUpdateParams;
import com.stripe.param.common.EmptyParam;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ProductsIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  @Test
  void createReturnsTheTypedShape() throws Exception {
    StripeClient client = Clients.fresh(sim, "prod_shape");
    Product product =
        client
            .v1()
            .products()
            .create(
                ProductCreateParams.builder()
                    .setName("Gold")
                    .setDescription("The gold tier")
                    .setUnitLabel("seat")
                    .putMetadata("tier", "gold")
                    .build());
    assertThat(product.getId()).startsWith("prod_");
    assertThat(product.getObject()).isEqualTo("product");
    assertThat(product.getName()).isEqualTo("Gold");
    assertThat(product.getActive()).isTrue();
    assertThat(product.getType()).isEqualTo("service");
    assertThat(product.getImages()).isEmpty();
    assertThat(product.getDefaultPrice()).isNull();
    assertThat(product.getUpdated()).isEqualTo(product.getCreated());
    assertThat(product.getMetadata()).containsEntry("tier", "gold");
    assertThat(product.getLivemode()).isFalse();
  }

  @Test
  void nameIsRequired() {
    StripeClient client = Clients.fresh(sim, "prod_name");
    assertThatThrownBy(() -> client.v1().products().create(ProductCreateParams.builder().build()))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo("parameter_missing");
              assertThat(e.getParam()).isEqualTo("name");
            });
  }

  @Test
  void customIdIsKeptAndDuplicatesAreRefused() throws Exception {
    StripeClient client = Clients.fresh(sim, "prod_custom");
    ProductCreateParams params =
        ProductCreateParams.builder().setId("gold").setName("Gold").build();
    assertThat(client.v1().products().create(params).getId()).isEqualTo("gold");
    assertThatThrownBy(() -> client.v1().products().create(params))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e -> assertThat(e.getCode()).isEqualTo("resource_already_exists"));
  }

  @Test
  void defaultPriceDataCreatesThePrice() throws Exception {
    StripeClient client = Clients.fresh(sim, "prod_default");
    Product product =
        client
            .v1()
            .products()
            .create(
                ProductCreateParams.builder()
                    .setName("Gold")
                    .setDefaultPriceData(
                        ProductCreateParams.DefaultPriceData.builder()
                            .setCurrency("usd")
                            .setUnitAmount(1500L)
                            .setRecurring(
                                ProductCreateParams.DefaultPriceData.Recurring.builder()
                                    .setInterval(
                                        ProductCreateParams.DefaultPriceData.Recurring.Interval
                                            .MONTH)
                                    .build())
                            .build())
                    .build());
    Price price = client.v1().prices().retrieve(product.getDefaultPrice());
    assertThat(price.getProduct()).isEqualTo(product.getId());
    assertThat(price.getUnitAmount()).isEqualTo(1500L);
    assertThat(price.getType()).isEqualTo("recurring");
    assertThat(price.getRecurring().getInterval()).isEqualTo("month");
  }

  @Test
  void updateEmitsPreviousAttributes() throws Exception {
    StripeClient client = Clients.fresh(sim, "prod_update");
    Product product =
        client.v1().products().create(ProductCreateParams.builder().setName("Gold").build());
    Product updated =
        client
            .v1()
            .products()
            .update(product.getId(), ProductUpdateParams.builder().setName("Platinum").build());
    assertThat(updated.getName()).isEqualTo("Platinum");
    Event event =
        client
            .v1()
            .events()
            .list(EventListParams.builder().setType("product.updated").build())
            .getData()
            .get(0);
    assertThat(event.getData().getPreviousAttributes()).containsEntry("name", "Gold");
  }

  @Test
  void metadataKeysAreUnsetWithEmptyStrings() throws Exception {
    StripeClient client = Clients.fresh(sim, "prod_meta");
    Product product =
        client
            .v1()
            .products()
            .create(
                ProductCreateParams.builder()
                    .setName("Gold")
                    .putMetadata("a", "1")
                    .putMetadata("b", "2")
                    .build());
    Product oneGone =
        client
            .v1()
            .products()
            .update(product.getId(), ProductUpdateParams.builder().putMetadata("a", "").build());
    assertThat(oneGone.getMetadata()).containsOnlyKeys("b");
    Product allGone =
        client
            .v1()
            .products()
            .update(
                product.getId(),
                ProductUpdateParams.builder().setMetadata(EmptyParam.EMPTY).build());
    assertThat(allGone.getMetadata()).isEmpty();
  }

  @Test
  void deleteIsRefusedWhilePricesExist() throws Exception {
    StripeClient client = Clients.fresh(sim, "prod_delete_refused");
    Product product =
        client.v1().products().create(ProductCreateParams.builder().setName("Gold").build());
    client
        .v1()
        .prices()
        .create(
            PriceCreateParams.builder()
                .setProduct(product.getId())
                .setCurrency("usd")
                .setUnitAmount(500L)
                .build());
    assertThatThrownBy(() -> client.v1().products().delete(product.getId()))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e -> {
              assertThat(e.getStatusCode()).isEqualTo(400);
              assertThat(e.getStripeError().getMessage()).contains("user-created prices");
            });
  }

  @Test
  void deleteWithoutPricesRemovesTheProduct() throws Exception {
    StripeClient client = Clients.fresh(sim, "prod_delete");
    Product product =
        client.v1().products().create(ProductCreateParams.builder().setName("Gold").build());
    Product deleted = client.v1().products().delete(product.getId());
    assertThat(deleted.getDeleted()).isTrue();
    assertThatThrownBy(() -> client.v1().products().retrieve(product.getId()))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e -> assertThat(e.getCode()).isEqualTo("resource_missing"));
  }

  @Test
  void listFiltersByActiveAndIds() throws Exception {
    StripeClient client = Clients.fresh(sim, "prod_list");
    Product gold =
        client.v1().products().create(ProductCreateParams.builder().setName("Gold").build());
    Product old =
        client
            .v1()
            .products()
            .create(ProductCreateParams.builder().setName("Old").setActive(false).build());
    Product silver =
        client.v1().products().create(ProductCreateParams.builder().setName("Silver").build());
    StripeCollection<Product> active =
        client.v1().products().list(ProductListParams.builder().setActive(true).build());
    assertThat(active.getData())
        .extracting(Product::getId)
        .containsExactly(silver.getId(), gold.getId());
    StripeCollection<Product> byIds =
        client
            .v1()
            .products()
            .list(ProductListParams.builder().addId(old.getId()).addId(gold.getId()).build());
    assertThat(byIds.getData())
        .extracting(Product::getId)
        .containsExactly(old.getId(), gold.getId());
  }

  @Test
  void searchMatchesNameActiveAndMetadata() throws Exception {
    StripeClient client = Clients.fresh(sim, "prod_search");
    Product gold =
        client
            .v1()
            .products()
            .create(
                ProductCreateParams.builder()
                    .setName("Gold plan")
                    .putMetadata("tier", "top")
                    .build());
    client.v1().products().create(ProductCreateParams.builder().setName("Gold coin").build());
    client
        .v1()
        .products()
        .create(ProductCreateParams.builder().setName("Gold bar").setActive(false).build());
    StripeSearchResult<Product> found =
        client
            .v1()
            .products()
            .search(
                ProductSearchParams.builder()
                    .setQuery("name~'gold' AND active:'true' AND metadata['tier']:'top'")
                    .build());
    assertThat(found.getData()).extracting(Product::getId).containsExactly(gold.getId());
    assertThat(found.getHasMore()).isFalse();
  }
}
