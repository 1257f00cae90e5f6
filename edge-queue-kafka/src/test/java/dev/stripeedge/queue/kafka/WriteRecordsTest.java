package dev.stripeedge.queue.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.queue.QueuedWrite;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WriteRecordsTest {

  private static final QueuedWrite WRITE =
      new QueuedWrite(
          "aw_1",
          new EdgeRequest(
              "POST",
              "/v1/customers/cus_ü",
              "expand[]=x",
              Map.of("idempotency-key", List.of("k1"), "stripe-version", List.of("2024-06-20")),
              "name=J%C3%BC\n\u0000".getBytes(StandardCharsets.UTF_8)),
          "obj:cus_ü",
          "https://hooks.example.com/x",
          Instant.parse("2026-12-07T12:00:00.123Z"));

  @Test
  void aWriteSurvivesTheRoundTrip() {
    QueuedWrite back = WriteRecords.decode(WriteRecords.encode(WRITE));

    assertThat(back.id()).isEqualTo("aw_1");
    assertThat(back.orderKey()).isEqualTo("obj:cus_ü");
    assertThat(back.callbackUrl()).isEqualTo("https://hooks.example.com/x");
    assertThat(back.acceptedAt()).isEqualTo(WRITE.acceptedAt());
    assertThat(back.request().pathAndQuery()).isEqualTo("/v1/customers/cus_ü?expand[]=x");
    assertThat(back.request().header("idempotency-key")).isEqualTo("k1");
    assertThat(back.request().body()).isEqualTo(WRITE.request().body());
  }

  @Test
  void whatIsNotAWriteIsRefused() {
    byte[] value = WriteRecords.encode(WRITE);

    assertThatThrownBy(() -> WriteRecords.decode(null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WriteRecords.decode("{\"json\":1}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WriteRecords.decode(Arrays.copyOf(value, value.length - 3)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
