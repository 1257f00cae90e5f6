package dev.stripeedge.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CacheRuleTest {

  private static final CacheRule DEFAULTS = CacheRule.stripe(CacheConfig.defaults());

  private static CacheDecision decide(
      CacheRule rule, String method, String path, String... headers) {
    java.util.Map<String, java.util.List<String>> map = new java.util.HashMap<>();
    for (int i = 0; i < headers.length; i += 2) {
      map.put(headers[i], java.util.List.of(headers[i + 1]));
    }
    EdgeRequest request = new EdgeRequest(method, path, "", map, new byte[0]);
    return rule.decide(request, StripeRoutes.classify(path));
  }

  /** ttl in seconds, or the bypass reason. */
  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          GET    | /v1/customers/cus_1             | 60
          GET    | /v1/products/prod_1             | 300
          GET    | /v1/prices/price_1              | 300
          GET    | /v1/plans/gold                  | 300
          GET    | /v1/tax_rates/txr_1             | 300
          GET    | /v1/payment_intents/pi_1        | 10
          GET    | /v1/charges/ch_1                | 10
          GET    | /v1/setup_intents/seti_1        | 30
          GET    | /v1/customers/cus_1/sources/c_2 | 60
          GET    | /v1/customers                   | list
          GET    | /v1/customers/search            | list
          GET    | /v1/customers/cus_1/sources     | list
          GET    | /v1/events                      | events
          GET    | /v1/events/evt_1                | events
          GET    | /v1/balance                     | balance
          GET    | /v1/balance/history             | balance
          GET    | /v1/balance_transactions/txn_1  | balance
          GET    | /v2/core/events/evt_1           | not-v1
          GET    | /healthz                        | not-v1
          POST   | /v1/customers/cus_1             | method
          DELETE | /v1/customers/cus_1             | method
          POST   | /v1/payment_intents/pi_1/confirm| method
          """)
  void defaults(String method, String path, String expected) {
    CacheDecision decision = decide(DEFAULTS, method, path);

    if (expected.chars().allMatch(Character::isDigit)) {
      assertThat(decision)
          .isEqualTo(
              new CacheDecision.Cacheable(
                  Duration.ofSeconds(Long.parseLong(expected)),
                  Duration.ZERO,
                  Duration.ofMinutes(5)));
    } else {
      assertThat(decision).isEqualTo(new CacheDecision.Bypass(expected));
    }
  }

  @ParameterizedTest
  @CsvSource({"no-store", "'max-age=0, no-store'", "NO-STORE"})
  void noStoreFromTheClientBypasses(String value) {
    assertThat(decide(DEFAULTS, "GET", "/v1/customers/cus_1", "Cache-Control", value))
        .isEqualTo(new CacheDecision.Bypass("no-store"));
  }

  @Test
  void explicitEdgeBypassHeaderBypasses() {
    assertThat(decide(DEFAULTS, "GET", "/v1/customers/cus_1", "Stripe-Edge-Cache", "bypass"))
        .isEqualTo(new CacheDecision.Bypass("client"));
  }

  @Test
  void noCacheFromHttpUrlConnectionDoesNotSwitchTheCacheOff() {
    // stripe-java's default client sends this on every request.
    assertThat(decide(DEFAULTS, "GET", "/v1/customers/cus_1", "Cache-Control", "no-cache"))
        .isInstanceOf(CacheDecision.Cacheable.class);
  }

  @Test
  void listsAndSearchesOptIn() {
    CacheRule rule =
        CacheRule.stripe(
            CacheConfig.defaults().withLists(Set.of("customers"), Duration.ofSeconds(2)));

    assertThat(decide(rule, "GET", "/v1/customers"))
        .isInstanceOfSatisfying(
            CacheDecision.Cacheable.class, c -> assertThat(c.ttl()).hasSeconds(2));
    assertThat(decide(rule, "GET", "/v1/customers/search"))
        .isInstanceOf(CacheDecision.Cacheable.class);
    assertThat(decide(rule, "GET", "/v1/products")).isEqualTo(new CacheDecision.Bypass("list"));
  }

  @Test
  void perResourceOverrides() {
    CacheConfig config =
        CacheConfig.defaults()
            .withTtl("customers", Duration.ofSeconds(5))
            .withTtl("charges", Duration.ZERO);
    CacheRule rule = CacheRule.stripe(config);

    assertThat(decide(rule, "GET", "/v1/customers/cus_1"))
        .isInstanceOfSatisfying(
            CacheDecision.Cacheable.class, c -> assertThat(c.ttl()).hasSeconds(5));
    assertThat(decide(rule, "GET", "/v1/charges/ch_1"))
        .isEqualTo(new CacheDecision.Bypass("resource-off"));
    assertThat(config.ttls()).containsEntry("products", Duration.ofMinutes(5));
    assertThat(Map.copyOf(config.ttls())).hasSize(config.ttls().size());
  }
}
