package dev.stripeedge.store.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DynamoDbTierConfigTest {

  @Test
  void defaultsSuitDynamoDbItself() {
    DynamoDbTierConfig config = DynamoDbTierConfig.builder("edge_cache").build();

    assertThat(config.region()).isEqualTo("us-east-1");
    assertThat(config.endpoint()).isNull();
    assertThat(config.apiCallTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.createTable()).isFalse();
    assertThat(config.maxValueBytes()).isGreaterThanOrEqualTo(350_000);
    assertThat(config.consistentReads()).isTrue();
  }

  @Test
  void aBadTableNameIsNamed() {
    assertThatThrownBy(() -> DynamoDbTierConfig.builder("edge cache").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("edge cache");
  }

  @Test
  void aBadRegionIsNamed() {
    assertThatThrownBy(() -> DynamoDbTierConfig.builder("edge_cache").region("Virginia").build())
        .hasMessageContaining("Virginia");
  }

  @Test
  void aRelativeEndpointIsRefused() {
    assertThatThrownBy(
            () ->
                DynamoDbTierConfig.builder("edge_cache").endpoint(URI.create("localhost")).build())
        .hasMessageContaining("endpoint")
        .hasMessageContaining("localhost");
  }

  @Test
  void anAttemptLongerThanItsCallIsRefused() {
    assertThatThrownBy(
            () ->
                DynamoDbTierConfig.builder("edge_cache")
                    .timeouts(Duration.ofSeconds(1), Duration.ofSeconds(2))
                    .build())
        .hasMessageContaining("PT2S")
        .hasMessageContaining("PT1S");
  }

  @Test
  void aZeroTimeoutIsRefused() {
    assertThatThrownBy(
            () -> DynamoDbTierConfig.builder("edge_cache").connectTimeout(Duration.ZERO).build())
        .hasMessageContaining("connectTimeout");
  }

  @Test
  void valuesLargerThanAnItemHoldsAreRefused() {
    assertThatThrownBy(
            () -> DynamoDbTierConfig.builder("edge_cache").maxValueBytes(400 * 1024).build())
        .hasMessageContaining("409600");
  }

  @Test
  void aClockToleranceBeyondTheMarkersLifeIsRefused() {
    assertThatThrownBy(
            () ->
                DynamoDbTierConfig.builder("edge_cache")
                    .markerTtl(Duration.ofSeconds(1))
                    .clockTolerance(Duration.ofSeconds(1))
                    .build())
        .hasMessageContaining("clockTolerance");
  }
}
