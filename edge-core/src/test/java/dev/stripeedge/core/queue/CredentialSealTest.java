package dev.stripeedge.core.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.core.EdgeRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The seal on queued credentials: HKDF against RFC 5869's own test vectors, a round trip, and every
 * way a stored value can go wrong (altered, moved to another write, another key, malformed).
 */
class CredentialSealTest {

  private static final HexFormat HEX = HexFormat.of();
  private static final String KEY = "Bearer sk_test_51SealMeNotInClear";
  private static final CredentialSeal SEAL = CredentialSeal.derivedFrom(bytes(1));

  private static byte[] bytes(int fill) {
    byte[] secret = new byte[32];
    Arrays.fill(secret, (byte) fill);
    return secret;
  }

  private static QueuedWrite write(String id, Map<String, List<String>> headers) {
    Map<String, List<String>> all = new LinkedHashMap<>(headers);
    all.put("idempotency-key", List.of("key-1"));
    return new QueuedWrite(
        id,
        new EdgeRequest(
            "POST", "/v1/customers", "", all, "name=x".getBytes(StandardCharsets.UTF_8)),
        "key:key-1",
        null,
        Instant.parse("2026-12-07T12:00:00Z"));
  }

  private static QueuedWrite withHeader(QueuedWrite write, String name, String value) {
    return new QueuedWrite(
        write.id(),
        write.request().withHeader(name, value),
        write.orderKey(),
        write.callbackUrl(),
        write.acceptedAt());
  }

  @Test
  void hkdfMatchesRfc5869TestCase1() {
    byte[] okm =
        CredentialSeal.hkdf(
            HEX.parseHex("000102030405060708090a0b0c"),
            HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
            HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"),
            42);
    assertThat(HEX.formatHex(okm))
        .isEqualTo(
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  }

  @Test
  void hkdfMatchesRfc5869TestCase3WithoutSaltOrInfo() {
    byte[] okm =
        CredentialSeal.hkdf(
            new byte[0],
            HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
            new byte[0],
            42);
    assertThat(HEX.formatHex(okm))
        .isEqualTo(
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
  }

  @Test
  void theStoredWriteHoldsNoKeyAndOpensToTheOriginalRequest() throws Exception {
    QueuedWrite original =
        write("aw_1", Map.of("authorization", List.of(KEY), "stripe-account", List.of("acct_1")));

    QueuedWrite sealed = SEAL.seal(original);

    String stored = QueuedWrite.headerBlock(sealed.request().headers());
    assertThat(stored).doesNotContain("sk_test_").contains("stripe-edge-sealed: v1.");
    assertThat(sealed.request().header("authorization")).isNull();
    assertThat(sealed.ownerHash()).isEqualTo(QueuedWrite.ownerHash(KEY));
    assertThat(sealed.idempotencyKey()).isEqualTo("key-1");
    EdgeRequest opened = SEAL.open(sealed);
    assertThat(opened.headers()).isEqualTo(original.request().headers());
    assertThat(opened.body()).isEqualTo(original.request().body());
  }

  @Test
  void sealingTwiceGivesDifferentCiphertexts() {
    QueuedWrite original = write("aw_1", Map.of("authorization", List.of(KEY)));
    assertThat(SEAL.seal(original).request().header("stripe-edge-sealed"))
        .isNotEqualTo(SEAL.seal(original).request().header("stripe-edge-sealed"));
  }

  @Test
  void anAlteredCiphertextIsDetected() {
    QueuedWrite sealed = SEAL.seal(write("aw_1", Map.of("authorization", List.of(KEY))));
    String value = sealed.request().header("stripe-edge-sealed");
    int last = value.length() - 5;
    char flipped = value.charAt(last) == 'A' ? 'B' : 'A';
    String altered = value.substring(0, last) + flipped + value.substring(last + 1);

    assertThatThrownBy(() -> SEAL.open(withHeader(sealed, "stripe-edge-sealed", altered)))
        .isInstanceOf(CredentialSeal.Unreadable.class)
        .hasMessageContaining("fail authentication");
  }

  @Test
  void aSealedValueMovedToAnotherWriteDoesNotOpen() {
    QueuedWrite sealed = SEAL.seal(write("aw_1", Map.of("authorization", List.of(KEY))));
    QueuedWrite other = SEAL.seal(write("aw_2", Map.of("authorization", List.of("Bearer x"))));
    QueuedWrite moved =
        withHeader(other, "stripe-edge-sealed", sealed.request().header("stripe-edge-sealed"));

    assertThatThrownBy(() -> SEAL.open(moved)).isInstanceOf(CredentialSeal.Unreadable.class);
  }

  @Test
  void aWriteSealedUnderAnotherSecretNamesBothKeys() {
    CredentialSeal rotated = CredentialSeal.derivedFrom(bytes(2));
    QueuedWrite sealed = SEAL.seal(write("aw_1", Map.of("authorization", List.of(KEY))));

    assertThat(rotated.keyId()).isNotEqualTo(SEAL.keyId());
    assertThatThrownBy(() -> rotated.open(sealed))
        .isInstanceOf(CredentialSeal.Unreadable.class)
        .hasMessageContaining(SEAL.keyId())
        .hasMessageContaining(rotated.keyId())
        .message()
        .doesNotContain("sk_test_");
  }

  @Test
  void malformedValuesAreUnreadableNotCrashes() {
    QueuedWrite sealed = SEAL.seal(write("aw_1", Map.of("authorization", List.of(KEY))));
    for (String bad :
        List.of(
            "",
            "v2." + SEAL.keyId() + ".AAAA",
            "v1." + SEAL.keyId(),
            "v1." + SEAL.keyId() + ".!!!",
            "v1." + SEAL.keyId() + ".AAAA")) {
      assertThatThrownBy(() -> SEAL.open(withHeader(sealed, "stripe-edge-sealed", bad)))
          .as(bad)
          .isInstanceOf(CredentialSeal.Unreadable.class);
    }
  }

  @Test
  void headersAClientSendsToImpersonateTheSealAreDropped() throws Exception {
    QueuedWrite forged =
        write(
            "aw_1",
            Map.of(
                "authorization", List.of(KEY),
                "stripe-edge-owner", List.of("AAAA"),
                "stripe-edge-sealed", List.of("v1.k0.AAAA")));

    QueuedWrite sealed = SEAL.seal(forged);

    assertThat(sealed.ownerHash()).isEqualTo(QueuedWrite.ownerHash(KEY));
    assertThat(SEAL.open(sealed).header("authorization")).isEqualTo(KEY);
    assertThat(SEAL.open(sealed).header("stripe-edge-owner")).isNull();
  }

  @Test
  void aWriteStoredBeforeSealingIsSentAsStored() throws Exception {
    QueuedWrite legacy = write("aw_1", Map.of("authorization", List.of(KEY)));
    assertThat(SEAL.open(legacy).headers()).isEqualTo(legacy.request().headers());
  }

  private static final String CARD = "card%5Bnumber%5D=4242424242424242&name=Jenny+Marker";

  @Test
  void theBodyAndQueryAreSealedAndOpenToTheOriginal() throws Exception {
    QueuedWrite original =
        new QueuedWrite(
            "aw_1",
            new EdgeRequest(
                "POST",
                "/v1/customers",
                "email=jenny%40example.com",
                Map.of("authorization", List.of(KEY), "idempotency-key", List.of("key-1")),
                CARD.getBytes(StandardCharsets.UTF_8)),
            "key:key-1",
            null,
            Instant.parse("2026-12-07T12:00:00Z"));

    QueuedWrite sealed = SEAL.seal(original);

    String stored =
        QueuedWrite.headerBlock(sealed.request().headers())
            + sealed.request().rawQuery()
            + new String(sealed.request().body(), StandardCharsets.ISO_8859_1);
    assertThat(stored).doesNotContain("4242", "Marker", "jenny", "sk_test_");
    assertThat(sealed.request().rawQuery()).isEmpty();
    assertThat(sealed.request().header("stripe-edge-sealed-body")).isEqualTo("v1." + SEAL.keyId());
    EdgeRequest opened = SEAL.open(sealed);
    assertThat(new String(opened.body(), StandardCharsets.UTF_8)).isEqualTo(CARD);
    assertThat(opened.rawQuery()).isEqualTo("email=jenny%40example.com");
    assertThat(opened.header("stripe-edge-sealed-body")).isNull();
  }

  @Test
  void aSealedBodyMovedToAnotherWriteOrAlteredDoesNotOpen() {
    QueuedWrite sealed = SEAL.seal(write("aw_1", Map.of("authorization", List.of(KEY))));
    QueuedWrite other = SEAL.seal(write("aw_2", Map.of("authorization", List.of(KEY))));
    EdgeRequest o = other.request();
    QueuedWrite moved =
        new QueuedWrite(
            other.id(),
            new EdgeRequest(o.method(), o.path(), "", o.headers(), sealed.request().body()),
            other.orderKey(),
            null,
            other.acceptedAt());
    byte[] altered = sealed.request().body().clone();
    altered[altered.length - 1] ^= 1;
    EdgeRequest s = sealed.request();
    QueuedWrite tampered =
        new QueuedWrite(
            sealed.id(),
            new EdgeRequest(s.method(), s.path(), "", s.headers(), altered),
            sealed.orderKey(),
            null,
            sealed.acceptedAt());

    assertThatThrownBy(() -> SEAL.open(moved))
        .isInstanceOf(CredentialSeal.Unreadable.class)
        .hasMessageContaining("fail authentication");
    assertThatThrownBy(() -> SEAL.open(tampered))
        .isInstanceOf(CredentialSeal.Unreadable.class)
        .hasMessageContaining("fail authentication");
    assertThatThrownBy(() -> CredentialSeal.derivedFrom(bytes(2)).open(sealed))
        .isInstanceOf(CredentialSeal.Unreadable.class)
        .hasMessageContaining(SEAL.keyId());
  }

  @Test
  void aWriteWhoseHeadersOnlyWereSealedOpensWithItsBodyAsStored() throws Exception {
    // What the edge stored before bodies were sealed: the sealed header, no body mark.
    QueuedWrite sealed = SEAL.seal(write("aw_1", Map.of("authorization", List.of(KEY))));
    Map<String, List<String>> headers = new LinkedHashMap<>(sealed.request().headers());
    headers.remove("stripe-edge-sealed-body");
    QueuedWrite older =
        new QueuedWrite(
            "aw_1",
            new EdgeRequest(
                "POST", "/v1/customers", "", headers, "name=x".getBytes(StandardCharsets.UTF_8)),
            "key:key-1",
            null,
            sealed.acceptedAt());

    EdgeRequest opened = SEAL.open(older);

    assertThat(opened.header("authorization")).isEqualTo(KEY);
    assertThat(new String(opened.body(), StandardCharsets.UTF_8)).isEqualTo("name=x");
  }

  private static WriteStatus succeeded(String id, byte[] body) {
    Instant at = Instant.parse("2026-12-07T12:00:00Z");
    return new WriteStatus(
        id,
        WriteState.SUCCEEDED,
        "POST",
        "/v1/customers",
        "key-1",
        at,
        at,
        1,
        200,
        "req_1",
        body,
        "",
        new byte[32]);
  }

  @Test
  void resultsAreSealedAndOpenOnlyForTheirWrite() throws Exception {
    byte[] answer = "{\"id\":\"cus_1\",\"name\":\"Jenny Marker\"}".getBytes(StandardCharsets.UTF_8);

    byte[] stored = SEAL.sealResult("aw_1", answer);

    assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain("Marker");
    assertThat(SEAL.openResult("aw_1", stored)).isEqualTo(answer);
    assertThat(SEAL.openStatus(succeeded("aw_1", stored)).resultBody()).isEqualTo(answer);
    // Moved onto another write, or read with another key: an error in its place, never the data.
    assertThat(
            new String(
                SEAL.openStatus(succeeded("aw_2", stored)).resultBody(), StandardCharsets.UTF_8))
        .contains("edge_result_unreadable", "fail authentication")
        .doesNotContain("Marker");
    assertThat(
            new String(
                CredentialSeal.derivedFrom(bytes(2))
                    .openStatus(succeeded("aw_1", stored))
                    .resultBody(),
                StandardCharsets.UTF_8))
        .contains("edge_result_unreadable", SEAL.keyId());
    // Stored before results were sealed (or the edge's own error): shown as stored.
    assertThat(SEAL.openResult("aw_1", answer)).isEqualTo(answer);
    assertThat(SEAL.openResult("aw_1", new byte[0])).isEmpty();
  }

  @Test
  void aShortSecretIsRefused() {
    assertThatThrownBy(() -> CredentialSeal.derivedFrom(new byte[8]))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
