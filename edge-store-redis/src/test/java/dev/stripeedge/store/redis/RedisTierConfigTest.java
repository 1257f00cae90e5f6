package dev.stripeedge.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisTierConfigTest {

  @Test
  void defaultsAreTheDocumentedOnes() {
    RedisTierConfig config = RedisTierConfig.standalone("redis://127.0.0.1:6379");

    assertThat(config.cluster()).isFalse();
    assertThat(config.keyPrefix()).isEqualTo("stripe-edge:");
    assertThat(config.commandTimeout()).isEqualTo(Duration.ofMillis(50));
    assertThat(config.clockTolerance()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.invalidationMemory()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void aClusterTakesSeveralSeeds() {
    RedisTierConfig config =
        RedisTierConfig.cluster(List.of("redis://10.0.0.1:7000", "redis://10.0.0.2:7000"));

    assertThat(config.cluster()).isTrue();
    assertThat(config.uris()).hasSize(2);
  }

  @Test
  void aStandaloneServerTakesOneUri() {
    assertThatThrownBy(
            () ->
                new RedisTierConfig(
                    List.of("redis://a:1", "redis://b:1"),
                    false,
                    "p:",
                    Duration.ofMillis(50),
                    Duration.ZERO,
                    Duration.ofMinutes(1)))
        .hasMessageContaining("one URI")
        .hasMessageContaining("cluster");
  }

  @Test
  void aBadUriIsNamedWithoutItsPassword() {
    assertThatThrownBy(() -> RedisTierConfig.standalone("http://:s3cret@cache:6379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("http://***@cache:6379")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> RedisTierConfig.standalone("redis://"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RedisTierConfig.cluster(List.of()))
        .hasMessageContaining("at least one URI");
  }

  @Test
  void toStringHidesPasswords() {
    RedisTierConfig config = RedisTierConfig.standalone("rediss://user:s3cret@cache:6380/2");

    assertThat(config.toString()).contains("rediss://***@cache:6380/2").doesNotContain("s3cret");
  }

  @Test
  void aPrefixWithBracesWouldMoveHashSlotsAndIsRefused() {
    RedisTierConfig config = RedisTierConfig.standalone("redis://cache:6379");

    assertThatThrownBy(() -> config.withKeyPrefix("{edge}:")).hasMessageContaining("{edge}:");
    assertThatThrownBy(() -> config.withKeyPrefix("")).hasMessageContaining("keyPrefix");
    assertThatThrownBy(() -> config.withKeyPrefix("a b")).hasMessageContaining("whitespace");
  }

  @Test
  void durationsAreChecked() {
    RedisTierConfig config = RedisTierConfig.standalone("redis://cache:6379");

    assertThatThrownBy(() -> config.withCommandTimeout(Duration.ZERO))
        .hasMessageContaining("commandTimeout must be positive, got PT0S");
    assertThatThrownBy(() -> config.withClockTolerance(Duration.ofSeconds(-1)))
        .hasMessageContaining("clockTolerance");
    assertThatThrownBy(() -> config.withInvalidationMemory(Duration.ofMillis(500)))
        .hasMessageContaining("must exceed clockTolerance");
  }
}
