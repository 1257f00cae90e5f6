package dev.stripeedge.sim.internal.webhooks;

import static dev.stripeedge.sim.internal.webhooks.Fixtures.ROTATED_SECRET;
import static dev.stripeedge.sim.internal.webhooks.Fixtures.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.stripe.exception.SignatureVerificationException;
import com.stripe.model.Event;
import com.stripe.net.Webhook;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebhookSignerTest {
  private final long now = Fixtures.nowSeconds();
  private final String payload = Fixtures.eventJson("evt_1", now);
  private final byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);

  @Test
  void headerVerifiesWithStripeJavaConstructEvent() throws Exception {
    String header = WebhookSigner.header(bytes, List.of(SECRET), now, true);

    Event event = Webhook.constructEvent(payload, header, SECRET);

    assertThat(event.getId()).isEqualTo("evt_1");
    assertThat(event.getType()).isEqualTo("customer.created");
  }

  @Test
  void eachRotatedSecretVerifies() throws Exception {
    String header = WebhookSigner.header(bytes, List.of(SECRET, ROTATED_SECRET), now, true);

    assertThat(Webhook.constructEvent(payload, header, SECRET).getId()).isEqualTo("evt_1");
    assertThat(Webhook.constructEvent(payload, header, ROTATED_SECRET).getId()).isEqualTo("evt_1");
  }

  @Test
  void wrongSecretFailsVerification() {
    String header = WebhookSigner.header(bytes, List.of(SECRET, ROTATED_SECRET), now, true);

    assertThatThrownBy(() -> Webhook.constructEvent(payload, header, "whsec_wrong"))
        .isInstanceOf(SignatureVerificationException.class);
  }

  @Test
  void liveModeHeaderEqualsStripeJavaGeneratedHeader() throws Exception {
    String header = WebhookSigner.header(bytes, List.of(SECRET), now, false);

    assertThat(header).isEqualTo(Webhook.Signature.generateSignatureHeader(payload, SECRET, now));
  }

  @Test
  void testModeAppendsV0ThatIsNotTheEndpointSignature() {
    String header = WebhookSigner.header(bytes, List.of(SECRET), now, true);

    String v1 = WebhookSigner.signature(SECRET, now, bytes);
    assertThat(header).startsWith("t=" + now + ",v1=" + v1 + ",v0=");
    assertThat(header.substring(header.indexOf(",v0=") + 4)).hasSize(64).isNotEqualTo(v1);
  }

  @Test
  void staleSimulatedTimestampNeedsToleranceZeroToVerify() throws Exception {
    // A simulated clock far in the past trips stripe-java's 300 s tolerance, not the HMAC check.
    long simulated = now - 3600;
    String header = WebhookSigner.header(bytes, List.of(SECRET), simulated, true);

    assertThatThrownBy(() -> Webhook.constructEvent(payload, header, SECRET))
        .isInstanceOf(SignatureVerificationException.class)
        .hasMessageContaining("tolerance");
    assertThat(Webhook.constructEvent(payload, header, SECRET, 0).getId()).isEqualTo("evt_1");
  }

  @Test
  void constructEventIgnoresApiVersionButTypedDataNeedsMatchingVersion() throws Exception {
    String header = WebhookSigner.header(bytes, List.of(SECRET), now, true);

    Event event = Webhook.constructEvent(payload, header, SECRET);

    assertThat(event.getApiVersion()).isEqualTo("2025-09-30.clover");
    // stripe-java 33.3.0 is pinned to the "dahlia" release train, so typed access is refused.
    assertThat(event.getDataObjectDeserializer().getObject()).isEmpty();
  }

  @Test
  void emptySecretListIsRejected() {
    assertThatThrownBy(() -> WebhookSigner.header(bytes, List.of(), now, true))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
