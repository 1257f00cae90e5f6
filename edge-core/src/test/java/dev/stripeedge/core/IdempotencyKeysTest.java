package dev.stripeedge.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class IdempotencyKeysTest {

  @Test
  void postWithoutKeyGetsAVersion4Uuid() {
    EdgeRequest ensured =
        IdempotencyKeys.ensure(
            EdgeRequest.of("POST", "/v1/customers", ""), new SplittableRandom(1));

    UUID key = UUID.fromString(ensured.header("Idempotency-Key"));
    assertThat(key.version()).isEqualTo(4);
    assertThat(key.variant()).isEqualTo(2);
  }

  @Test
  void theInjectedRandomDecidesTheKey() {
    EdgeRequest request = EdgeRequest.of("POST", "/v1/customers", "");

    assertThat(IdempotencyKeys.ensure(request, new SplittableRandom(7)).header("idempotency-key"))
        .isEqualTo(
            IdempotencyKeys.ensure(request, new SplittableRandom(7)).header("idempotency-key"));
  }

  @Test
  void anExistingKeyIsKept() {
    EdgeRequest request =
        EdgeRequest.of("POST", "/v1/customers", "").withHeader("idempotency-key", "mine");

    assertThat(IdempotencyKeys.ensure(request, new SplittableRandom(1))).isSameAs(request);
  }

  @Test
  void getAndDeleteGetNoKey() {
    EdgeRequest get = EdgeRequest.of("GET", "/v1/customers", "");
    EdgeRequest delete = EdgeRequest.of("DELETE", "/v1/customers/cus_1", "");

    assertThat(IdempotencyKeys.ensure(get, new SplittableRandom(1))).isSameAs(get);
    assertThat(IdempotencyKeys.ensure(delete, new SplittableRandom(1))).isSameAs(delete);
  }
}
