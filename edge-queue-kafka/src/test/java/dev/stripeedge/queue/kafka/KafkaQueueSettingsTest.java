package dev.stripeedge.queue.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaQueueSettingsTest {

  @Test
  void defaultsAndClientSettings() {
    KafkaQueueSettings settings =
        KafkaQueueSettings.of(
            Map.of(
                "bootstrapServers", "k1:9092,k2:9092",
                "client.security.protocol", "SASL_SSL",
                "client.sasl.jaas.config", "secret-stuff"));

    assertThat(settings.topic()).isEqualTo("stripe-edge-writes");
    assertThat(settings.group()).isEqualTo("stripe-edge-writers");
    assertThat(settings.partitions()).isEqualTo(12);
    assertThat(settings.replicationFactor()).isEqualTo((short) -1);
    assertThat(settings.client())
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.jaas.config", "secret-stuff");
    assertThat(settings.toString()).doesNotContain("secret-stuff").contains("sasl.jaas.config");
  }

  @Test
  void badValuesAreNamed() {
    assertThatThrownBy(() -> KafkaQueueSettings.of(Map.of()))
        .hasMessageContaining("bootstrapServers");
    assertThatThrownBy(() -> KafkaQueueSettings.of(Map.of("bootstrapServers", "k:1", "tpoic", "x")))
        .hasMessageContaining("tpoic");
    assertThatThrownBy(
            () -> KafkaQueueSettings.of(Map.of("bootstrapServers", "k:1", "topic", "a/b")))
        .hasMessageContaining("topic");
    assertThatThrownBy(
            () -> KafkaQueueSettings.of(Map.of("bootstrapServers", "k:1", "partitions", "many")))
        .hasMessageContaining("partitions");
    assertThatThrownBy(
            () -> KafkaQueueSettings.of(Map.of("bootstrapServers", "k:1", "client.acks", "1")))
        .hasMessageContaining("client.acks");
  }
}
