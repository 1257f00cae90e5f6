package dev.stripeedge.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheKeysTest {

  private static final byte[] SECRET = new byte[32];

  static {
    Arrays.fill(SECRET, (byte) 7);
  }

  private final CacheKeys keys = CacheKeys.hmac(SECRET);

  private static EdgeRequest get(String path, String query, String... headers) {
    Map<String, List<String>> map = new HashMap<>();
    for (int i = 0; i < headers.length; i += 2) {
      map.put(headers[i], List.of(headers[i + 1]));
    }
    return new EdgeRequest("GET", path, query, map, new byte[0]);
  }

  private CacheKey key(String query, String... headers) {
    return keys.keyFor(get("/v1/prices/price_1", query, headers));
  }

  @Test
  void twoApiKeysNeverShareAKey() {
    assertThat(key("", "Authorization", "Bearer sk_test_a"))
        .isNotEqualTo(key("", "Authorization", "Bearer sk_test_b"));
  }

  @Test
  void bearerAndBasicOfOneKeyAgree() {
    String basic =
        Base64.getEncoder().encodeToString("sk_test_a:".getBytes(StandardCharsets.UTF_8));

    assertThat(key("", "Authorization", "Basic " + basic))
        .isEqualTo(key("", "Authorization", "Bearer sk_test_a"));
  }

  @Test
  void theKeyNeverContainsTheApiKey() {
    CacheKey key = key("expand[]=product", "Authorization", "Bearer sk_test_secret_value");

    assertThat(key.value()).doesNotContain("sk_test").doesNotContain("secret_value");
  }

  @Test
  void expandOrderAndIndexingDoNotMatter() {
    String auth = "Bearer sk_test_a";

    assertThat(key("expand[]=product&expand[]=tiers", "Authorization", auth))
        .isEqualTo(key("expand[1]=product&expand[0]=tiers", "Authorization", auth))
        .isEqualTo(key("expand%5B%5D=tiers&expand%5B%5D=product", "Authorization", auth));
  }

  @Test
  void parameterOrderDoesNotMatterButValuesDo() {
    assertThat(key("limit=3&currency=usd")).isEqualTo(key("currency=usd&limit=3"));
    assertThat(key("limit=3")).isNotEqualTo(key("limit=4"));
  }

  @Test
  void accountContextAndVersionSeparateKeys() {
    CacheKey plain = key("", "Authorization", "Bearer sk_test_a");

    assertThat(key("", "Authorization", "Bearer sk_test_a", "Stripe-Account", "acct_1"))
        .isNotEqualTo(plain);
    assertThat(key("", "Authorization", "Bearer sk_test_a", "Stripe-Context", "acct_1"))
        .isNotEqualTo(plain);
    assertThat(key("", "Authorization", "Bearer sk_test_a", "Stripe-Version", "2026-07-29.dahlia"))
        .isNotEqualTo(plain);
  }

  @Test
  void anotherSecretGivesAnotherKey() {
    byte[] other = SECRET.clone();
    other[0] = 8;

    assertThat(
            CacheKeys.hmac(other).keyFor(get("/v1/customers/c", "", "Authorization", "Bearer k")))
        .isNotEqualTo(keys.keyFor(get("/v1/customers/c", "", "Authorization", "Bearer k")));
  }

  @Test
  void shortSecretsAreRefused() {
    assertThatThrownBy(() -> CacheKeys.hmac(new byte[16]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("16");
  }
}
