package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.stripe.model.Event;
import com.stripe.model.Invoice;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.InvoiceCreateParams;
import com.stripe.param.InvoiceListParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class InvoicesIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static Invoice draft(StripeClient client) throws Exception {
    String customer =
        client
            .v1()
            .customers()
            .create(CustomerCreateParams.builder().setEmail("ada@example.com").build())
            .getId();
    return client
        .v1()
        .invoices()
        .create(InvoiceCreateParams.builder().setCustomer(customer).build());
  }

  @Test
  void createMakesAnEmptyDraft() throws Exception {
    StripeClient client = Clients.fresh(sim, "in_create");
    Invoice invoice = draft(client);
    assertThat(invoice.getId()).startsWith("in_");
    assertThat(invoice.getStatus()).isEqualTo("draft");
    assertThat(invoice.getNumber()).isNull();
    assertThat(invoice.getLines().getData()).isEmpty();
    assertThat(invoice.getLines().getUrl()).isEqualTo("/v1/invoices/" + invoice.getId() + "/lines");
    assertThat(invoice.getCustomerEmail()).isEqualTo("ada@example.com");
    assertThat(invoice.getAutoAdvance()).isFalse();
    assertThat(invoice.getTotal()).isZero();
  }

  @Test
  void finalizingAZeroInvoiceNumbersAndPaysIt() throws Exception {
    StripeClient client = Clients.fresh(sim, "in_finalize");
    Invoice invoice = client.v1().invoices().finalizeInvoice(draft(client).getId());
    assertThat(invoice.getNumber()).endsWith("-0001");
    assertThat(invoice.getStatusTransitions().getFinalizedAt()).isNotNull();
    assertThat(invoice.getStatus()).isEqualTo("paid");
    List<String> types =
        client.v1().events().list().getData().stream().map(Event::getType).toList();
    assertThat(types)
        .containsSubsequence(
            "invoice.payment_succeeded", "invoice.paid", "invoice.finalized", "invoice.created");
  }

  @Test
  void finalizingTwiceIsRefused() throws Exception {
    StripeClient client = Clients.fresh(sim, "in_finalize_twice");
    Invoice invoice = draft(client);
    client.v1().invoices().finalizeInvoice(invoice.getId());
    assertThatThrownBy(() -> client.v1().invoices().finalizeInvoice(invoice.getId()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("already finalized");
  }

  @Test
  void payingAPaidInvoiceIsRefused() throws Exception {
    StripeClient client = Clients.fresh(sim, "in_pay");
    Invoice invoice = client.v1().invoices().pay(draft(client).getId());
    assertThat(invoice.getStatus()).isEqualTo("paid");
    assertThatThrownBy(() -> client.v1().invoices().pay(invoice.getId()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("already paid");
  }

  @Test
  void onlyDraftsCanBeDeleted() throws Exception {
    StripeClient client = Clients.fresh(sim, "in_delete");
    Invoice invoice = draft(client);
    assertThat(client.v1().invoices().delete(invoice.getId()).getDeleted()).isTrue();
    assertThatThrownBy(() -> client.v1().invoices().retrieve(invoice.getId()))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e -> assertThat(e.getCode()).isEqualTo("resource_missing"));
    Invoice paid = client.v1().invoices().pay(draft(client).getId());
    assertThatThrownBy(() -> client.v1().invoices().delete(paid.getId()))
        .isInstanceOf(InvalidRequestException.class);
  }

  @Test
  void voidingNeedsAnOpenInvoice() throws Exception {
    StripeClient client = Clients.fresh(sim, "in_void");
    Invoice invoice = draft(client);
    assertThatThrownBy(() -> client.v1().invoices().voidInvoice(invoice.getId()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("open");
  }

  @Test
  void listFiltersByStatusAndCustomer() throws Exception {
    StripeClient client = Clients.fresh(sim, "in_list");
    Invoice first = draft(client);
    Invoice second = draft(client);
    client.v1().invoices().pay(second.getId());
    assertThat(
            client
                .v1()
                .invoices()
                .list(InvoiceListParams.builder().setStatus(InvoiceListParams.Status.DRAFT).build())
                .getData())
        .extracting(Invoice::getId)
        .containsExactly(first.getId());
    assertThat(
            client
                .v1()
                .invoices()
                .list(InvoiceListParams.builder().setCustomer(second.getCustomer()).build())
                .getData())
        .extracting(Invoice::getId)
        .containsExactly(second.getId());
  }
}
