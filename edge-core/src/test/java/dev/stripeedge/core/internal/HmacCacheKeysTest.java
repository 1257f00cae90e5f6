package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.CacheKey;
import dev.stripeedge.core.EdgeRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading a plain retrieve back from its cache key, as the drift audit does. */
class HmacCacheKeysTest {

  private final HmacCacheKeys keys = new HmacCacheKeys(new byte[32]);

  private static EdgeRequest get(String path, String query, Map<String, List<String>> headers) {
    return new EdgeRequest("GET", path, query, headers, new byte[0]);
  }

  @Test
  void aPlainRetrieveIsRebuiltWithItsAccountContextAndVersion() {
    EdgeRequest original =
        get(
            "/v1/customers/cus_1",
            "",
            Map.of(
                "authorization", List.of("Bearer sk_test_a"),
                "stripe-account", List.of("acct_1"),
                "stripe-context", List.of("ctx_1"),
                "stripe-version", List.of("2025-03-31.basil")));
    CacheKey key = keys.keyFor(original);

    EdgeRequest rebuilt = HmacCacheKeys.plainGetOf(key, "sk_test_a");

    assertThat(rebuilt).isNotNull();
    assertThat(rebuilt.path()).isEqualTo("/v1/customers/cus_1");
    assertThat(rebuilt.headers()).isEqualTo(original.headers());
    assertThat(keys.keyFor(rebuilt)).isEqualTo(key);
  }

  @Test
  void anotherApiKeyRebuildsARequestWithAnotherKey() {
    CacheKey key =
        keys.keyFor(
            get("/v1/customers/cus_1", "", Map.of("authorization", List.of("Bearer sk_test_a"))));

    EdgeRequest rebuilt = HmacCacheKeys.plainGetOf(key, "sk_test_b");

    assertThat(rebuilt).isNotNull();
    assertThat(rebuilt.header("stripe-account")).isNull();
    assertThat(keys.keyFor(rebuilt)).isNotEqualTo(key);
  }

  @Test
  void keysOfQueriesAndOtherMethodsAreNotPlainRetrieves() {
    Map<String, List<String>> auth = Map.of("authorization", List.of("Bearer sk_test_a"));

    assertThat(
            HmacCacheKeys.plainGetOf(
                keys.keyFor(get("/v1/customers/cus_1", "expand[]=x", auth)), "sk_test_a"))
        .isNull();
    assertThat(
            HmacCacheKeys.plainGetOf(
                keys.keyFor(new EdgeRequest("POST", "/v1/customers", "", auth, new byte[0])),
                "sk_test_a"))
        .isNull();
    assertThat(HmacCacheKeys.plainGetOf(new CacheKey("GET /v1/x"), "sk_test_a")).isNull();
  }
}
