package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.stripe.StripeClient;
import com.stripe.exception.AuthenticationException;
import com.stripe.exception.InvalidRequestException;
import com.stripe.model.Customer;
import com.stripe.model.StripeCollection;
import com.stripe.model.StripeSearchResult;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.CustomerListParams;
import com.stripe.param.CustomerSearchParams;
import com.stripe.param.CustomerUpdateParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Customers through the official stripe-java SDK. */
class CustomersConformanceIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  @Test
  void createsAndRetrievesTypedFields() throws Exception {
    StripeClient stripe = Clients.fresh(sim, "customers");
    Customer created =
        stripe
            .v1()
            .customers()
            .create(
                CustomerCreateParams.builder()
                    .setEmail("jenny@example.com")
                    .setName("Jenny Rosen")
                    .putMetadata("order", "6735")
                    .build());

    Customer fetched = stripe.v1().customers().retrieve(created.getId());

    assertThat(created.getId()).startsWith("cus_");
    assertThat(fetched.getEmail()).isEqualTo("jenny@example.com");
    assertThat(fetched.getName()).isEqualTo("Jenny Rosen");
    assertThat(fetched.getMetadata()).containsEntry("order", "6735");
    assertThat(fetched.getLivemode()).isFalse();
    assertThat(fetched.getBalance()).isZero();
    assertThat(fetched.getCreated()).isPositive();
  }

  @Test
  void updatesAndUnsetsWithEmptyStrings() throws Exception {
    StripeClient stripe = Clients.fresh(sim, "customers");
    Customer customer =
        stripe
            .v1()
            .customers()
            .create(
                CustomerCreateParams.builder()
                    .setDescription("vip")
                    .putMetadata("a", "1")
                    .putMetadata("b", "2")
                    .build());

    Customer updated =
        stripe
            .v1()
            .customers()
            .update(
                customer.getId(),
                CustomerUpdateParams.builder()
                    .setDescription(com.stripe.param.common.EmptyParam.EMPTY)
                    .putMetadata("a", "")
                    .setEmail("new@example.com")
                    .build());

    assertThat(updated.getDescription()).isNull();
    assertThat(updated.getMetadata()).doesNotContainKey("a").containsEntry("b", "2");
    assertThat(updated.getEmail()).isEqualTo("new@example.com");
  }

  @Test
  void aDeletedCustomerIsRetrievedAsDeletedAndCannotBeUpdated() throws Exception {
    StripeClient stripe = Clients.fresh(sim, "customers");
    Customer customer = stripe.v1().customers().create(CustomerCreateParams.builder().build());

    Customer deleted = stripe.v1().customers().delete(customer.getId());

    assertThat(deleted.getDeleted()).isTrue();
    // Stripe's API reference: retrieving a deleted customer answers 200 with deleted: true.
    Customer retrieved = stripe.v1().customers().retrieve(customer.getId());
    assertThat(retrieved.getId()).isEqualTo(customer.getId());
    assertThat(retrieved.getDeleted()).isTrue();
    assertThatThrownBy(
            () ->
                stripe
                    .v1()
                    .customers()
                    .update(
                        customer.getId(),
                        com.stripe.param.CustomerUpdateParams.builder().setName("x").build()))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e -> {
              assertThat(e.getStatusCode()).isEqualTo(404);
              assertThat(e.getCode()).isEqualTo("resource_missing");
            });
    assertThat(
            stripe
                .v1()
                .customers()
                .list(com.stripe.param.CustomerListParams.builder().build())
                .getData())
        .extracting(Customer::getId)
        .doesNotContain(customer.getId());
  }

  @Test
  void deletingACustomerDetachesItsPaymentMethods() throws Exception {
    StripeClient stripe = Clients.fresh(sim, "customers");
    Customer customer = stripe.v1().customers().create(CustomerCreateParams.builder().build());
    com.stripe.model.PaymentMethod pm =
        stripe
            .v1()
            .paymentMethods()
            .attach(
                "pm_card_visa",
                com.stripe.param.PaymentMethodAttachParams.builder()
                    .setCustomer(customer.getId())
                    .build());

    stripe.v1().customers().delete(customer.getId());

    assertThat(stripe.v1().paymentMethods().retrieve(pm.getId()).getCustomer()).isNull();
  }

  @Test
  void listsNewestFirstAndPagesWithCursors() throws Exception {
    StripeClient stripe = Clients.fresh(sim, "customers");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(
          stripe
              .v1()
              .customers()
              .create(CustomerCreateParams.builder().setName("c" + i).build())
              .getId());
    }
    List<String> newestFirst = ids.reversed();

    StripeCollection<Customer> first =
        stripe.v1().customers().list(CustomerListParams.builder().setLimit(2L).build());
    StripeCollection<Customer> second =
        stripe
            .v1()
            .customers()
            .list(
                CustomerListParams.builder()
                    .setLimit(2L)
                    .setStartingAfter(first.getData().get(1).getId())
                    .build());
    StripeCollection<Customer> before =
        stripe
            .v1()
            .customers()
            .list(
                CustomerListParams.builder()
                    .setLimit(10L)
                    .setEndingBefore(newestFirst.get(2))
                    .build());

    assertThat(first.getData())
        .extracting(Customer::getId)
        .containsExactlyElementsOf(newestFirst.subList(0, 2));
    assertThat(first.getHasMore()).isTrue();
    assertThat(first.getUrl()).isEqualTo("/v1/customers");
    assertThat(second.getData())
        .extracting(Customer::getId)
        .containsExactlyElementsOf(newestFirst.subList(2, 4));
    assertThat(before.getData())
        .extracting(Customer::getId)
        .containsExactlyElementsOf(newestFirst.subList(0, 2));
    assertThat(before.getHasMore()).isFalse();
  }

  @Test
  void autoPagingVisitsEveryObjectOnce() throws Exception {
    StripeClient stripe = Clients.fresh(sim, "customers");
    for (int i = 0; i < 7; i++) {
      stripe.v1().customers().create(CustomerCreateParams.builder().build());
    }
    List<String> seen = new ArrayList<>();
    stripe
        .v1()
        .customers()
        .list(CustomerListParams.builder().setLimit(3L).build())
        .autoPagingIterable()
        .forEach(c -> seen.add(c.getId()));

    assertThat(seen).hasSize(7).doesNotHaveDuplicates();
  }

  @Test
  void filtersListsByEmail() throws Exception {
    StripeClient stripe = Clients.fresh(sim, "customers");
    stripe
        .v1()
        .customers()
        .create(CustomerCreateParams.builder().setEmail("a@example.com").build());
    stripe
        .v1()
        .customers()
        .create(CustomerCreateParams.builder().setEmail("b@example.com").build());

    StripeCollection<Customer> found =
        stripe
            .v1()
            .customers()
            .list(CustomerListParams.builder().setEmail("b@example.com").build());

    assertThat(found.getData()).extracting(Customer::getEmail).containsExactly("b@example.com");
  }

  @Test
  void searchesByFieldAndMetadata() throws Exception {
    StripeClient stripe = Clients.fresh(sim, "customers");
    stripe
        .v1()
        .customers()
        .create(CustomerCreateParams.builder().setName("Ada").putMetadata("tier", "gold").build());
    stripe
        .v1()
        .customers()
        .create(CustomerCreateParams.builder().setName("Bob").putMetadata("tier", "free").build());

    StripeSearchResult<Customer> found =
        stripe
            .v1()
            .customers()
            .search(CustomerSearchParams.builder().setQuery("metadata['tier']:'gold'").build());

    assertThat(found.getData()).extracting(Customer::getName).containsExactly("Ada");
  }

  @Test
  void badKeyIsAuthenticationException() {
    StripeClient stripe = Clients.forKey(sim, "sk_test_");

    assertThatThrownBy(() -> stripe.v1().customers().list(CustomerListParams.builder().build()))
        .isInstanceOf(AuthenticationException.class);
  }

  @Test
  void keysNeverSeeAnotherAccountsObjects() throws Exception {
    Customer mine =
        Clients.forKey(sim, "sk_test_isolation_a")
            .v1()
            .customers()
            .create(CustomerCreateParams.builder().build());

    assertThatThrownBy(
            () ->
                Clients.forKey(sim, "sk_test_isolation_b").v1().customers().retrieve(mine.getId()))
        .isInstanceOf(InvalidRequestException.class);
    assertThat(
            Clients.forKey(sim, "rk_test_isolation_a")
                .v1()
                .customers()
                .retrieve(mine.getId())
                .getId())
        .isEqualTo(mine.getId());
  }
}
