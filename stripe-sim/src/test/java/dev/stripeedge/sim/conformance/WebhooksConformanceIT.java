package dev.stripeedge.sim.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.stripe.StripeClient;
import com.stripe.model.Customer;
import com.stripe.model.Event;
import com.stripe.model.StripeCollection;
import com.stripe.model.WebhookEndpoint;
import com.stripe.net.Webhook;
import com.stripe.param.CustomerCreateParams;
import com.stripe.param.CustomerUpdateParams;
import com.stripe.param.EventListParams;
import com.stripe.param.WebhookEndpointCreateParams;
import com.sun.net.httpserver.HttpServer;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimHttp;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Events and webhook deliveries, verified with stripe-java's own signature check. */
class WebhooksConformanceIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  /** A delivery as the receiving application saw it. */
  record Delivery(String payload, String signature) {}

  private HttpServer receiver;
  private final BlockingQueue<Delivery> received = new LinkedBlockingQueue<>();
  private volatile int answer = 200;

  @BeforeEach
  void startReceiver() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/hook",
        exchange -> {
          String payload =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          received.add(
              new Delivery(payload, exchange.getRequestHeaders().getFirst("Stripe-Signature")));
          exchange.sendResponseHeaders(answer, -1);
          exchange.close();
        });
    receiver.start();
  }

  @AfterEach
  void stopReceiver() {
    receiver.stop(0);
  }

  private String hookUrl() {
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
  }

  private WebhookEndpoint endpoint(StripeClient stripe, String... events) throws Exception {
    return stripe
        .v1()
        .webhookEndpoints()
        .create(
            WebhookEndpointCreateParams.builder()
                .setUrl(hookUrl())
                .addAllEnabledEvent(
                    java.util.Arrays.stream(events)
                        .map(e -> WebhookEndpointCreateParams.EnabledEvent.valueOf(e))
                        .toList())
                .build());
  }

  @Test
  void deliveriesVerifyWithStripeJavasConstructEvent() throws Exception {
    StripeClient stripe = Clients.forKey(sim, "sk_test_hooks_verify");
    WebhookEndpoint endpoint = endpoint(stripe, "CUSTOMER__CREATED");
    Customer customer =
        stripe
            .v1()
            .customers()
            .create(CustomerCreateParams.builder().setEmail("a@example.com").build());

    Delivery delivery = received.poll(10, TimeUnit.SECONDS);

    assertThat(endpoint.getSecret()).startsWith("whsec_");
    assertThat(delivery).isNotNull();
    Event event =
        Webhook.constructEvent(delivery.payload(), delivery.signature(), endpoint.getSecret());
    assertThat(event.getType()).isEqualTo("customer.created");
    assertThat(event.getRequest().getId()).startsWith("req_");
    Customer inEvent = (Customer) event.getDataObjectDeserializer().getObject().orElseThrow();
    assertThat(inEvent.getId()).isEqualTo(customer.getId());
    assertThat(stripe.v1().webhookEndpoints().retrieve(endpoint.getId()).getSecret()).isNull();
  }

  @Test
  void anEndpointPinnedToAnOlderVersionReceivesThatVersionsShape() throws Exception {
    String key = "sk_test_hooks_versioned";
    SimHttp http = new SimHttp(sim.baseUrl());
    http.post(
        "/v1/webhook_endpoints",
        key,
        "url="
            + java.net.URLEncoder.encode(hookUrl(), StandardCharsets.UTF_8)
            + "&enabled_events[]=price.created&api_version=2020-08-27");
    http.post(
        "/v1/prices",
        key,
        "currency=usd&unit_amount=100&recurring[interval]=month&product_data[name]=Old");

    Delivery delivery = received.poll(10, TimeUnit.SECONDS);

    assertThat(delivery).isNotNull();
    com.google.gson.JsonObject event =
        com.google.gson.JsonParser.parseString(delivery.payload()).getAsJsonObject();
    assertThat(event.get("api_version").getAsString()).isEqualTo("2020-08-27");
    com.google.gson.JsonObject recurring =
        event.getAsJsonObject("data").getAsJsonObject("object").getAsJsonObject("recurring");
    assertThat(recurring.has("aggregate_usage")).isTrue();
    // The stored event keeps the account's version: GET /v1/events shows today's shape.
    String stored = http.get("/v1/events?type=price.created", key).body();
    assertThat(stored).doesNotContain("aggregate_usage").doesNotContain("2020-08-27");
  }

  @Test
  void updatesCarryPreviousAttributesAndOnlyWantedTypesAreSent() throws Exception {
    StripeClient stripe = Clients.forKey(sim, "sk_test_hooks_updated");
    endpoint(stripe, "CUSTOMER__UPDATED");
    Customer customer =
        stripe.v1().customers().create(CustomerCreateParams.builder().setName("Old").build());
    stripe
        .v1()
        .customers()
        .update(customer.getId(), CustomerUpdateParams.builder().setName("New").build());

    Delivery delivery = received.poll(10, TimeUnit.SECONDS);

    Event event = Event.GSON.fromJson(delivery.payload(), Event.class);
    assertThat(event.getType()).isEqualTo("customer.updated");
    assertThat(event.getData().getPreviousAttributes()).containsEntry("name", "Old");
    assertThat(received.poll(300, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void eventsListFiltersByTypeWildcardAndDeliverySuccess() throws Exception {
    StripeClient stripe = Clients.forKey(sim, "sk_test_hooks_list");
    answer = 500;
    endpoint(stripe, "CUSTOMER__CREATED");
    stripe.v1().customers().create(CustomerCreateParams.builder().build());
    assertThat(received.poll(10, TimeUnit.SECONDS)).isNotNull();

    StripeCollection<Event> undelivered =
        stripe.v1().events().list(EventListParams.builder().setDeliverySuccess(false).build());
    StripeCollection<Event> customerEvents =
        stripe.v1().events().list(EventListParams.builder().setType("customer.*").build());

    assertThat(undelivered.getData())
        .extracting(Event::getType)
        .containsExactly("customer.created");
    assertThat(undelivered.getData().get(0).getPendingWebhooks()).isEqualTo(1L);
    assertThat(customerEvents.getData()).hasSize(1);
  }

  @Test
  void aSuccessfulDeliveryClearsPendingWebhooks() throws Exception {
    StripeClient stripe = Clients.forKey(sim, "sk_test_hooks_pending");
    endpoint(stripe, "CUSTOMER__CREATED");
    stripe.v1().customers().create(CustomerCreateParams.builder().build());
    Delivery delivery = received.poll(10, TimeUnit.SECONDS);
    String eventId = Event.GSON.fromJson(delivery.payload(), Event.class).getId();

    Event event = awaitPendingZero(stripe, eventId);

    assertThat(event.getPendingWebhooks()).isZero();
    assertThat(
            stripe
                .v1()
                .events()
                .list(EventListParams.builder().setDeliverySuccess(false).build())
                .getData())
        .isEmpty();
  }

  @Test
  void outOfBandChangesEmitUpdatedWithoutARequest() throws Exception {
    StripeClient stripe = Clients.forKey(sim, "sk_test_hooks_oob");
    endpoint(stripe, "CUSTOMER__UPDATED");
    Customer customer =
        stripe.v1().customers().create(CustomerCreateParams.builder().setName("A").build());

    var response =
        new SimHttp(sim.baseUrl())
            .post("/_sim/objects/" + customer.getId(), "sk_test_hooks_oob", "name=Dashboard");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(stripe.v1().customers().retrieve(customer.getId()).getName()).isEqualTo("Dashboard");
    Event event = Event.GSON.fromJson(received.poll(10, TimeUnit.SECONDS).payload(), Event.class);
    assertThat(event.getType()).isEqualTo("customer.updated");
    assertThat(event.getRequest().getId()).isNull();
    assertThat(event.getData().getPreviousAttributes()).containsEntry("name", "A");
  }

  @Test
  void rotatedSecretsBothVerify() throws Exception {
    StripeClient stripe = Clients.forKey(sim, "sk_test_hooks_rotate");
    WebhookEndpoint endpoint = endpoint(stripe, "CUSTOMER__CREATED");
    var rotated =
        new SimHttp(sim.baseUrl())
            .post(
                "/_sim/webhook_endpoints/" + endpoint.getId() + "/rotate",
                "sk_test_hooks_rotate",
                "");
    String newSecret = rotated.body().replaceAll(".*\"secret\":\"(whsec_[^\"]+)\".*", "$1");
    stripe.v1().customers().create(CustomerCreateParams.builder().build());

    Delivery delivery = received.poll(10, TimeUnit.SECONDS);

    assertThat(Webhook.constructEvent(delivery.payload(), delivery.signature(), newSecret))
        .isNotNull();
    assertThat(
            Webhook.constructEvent(delivery.payload(), delivery.signature(), endpoint.getSecret()))
        .isNotNull();
  }

  private static Event awaitPendingZero(StripeClient stripe, String eventId) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    Event event = stripe.v1().events().retrieve(eventId);
    while (event.getPendingWebhooks() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
      event = stripe.v1().events().retrieve(eventId);
    }
    return event;
  }
}
