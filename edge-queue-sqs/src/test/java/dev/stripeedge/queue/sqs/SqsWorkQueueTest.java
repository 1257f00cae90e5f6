package dev.stripeedge.queue.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.queue.QueuedWrite;
import dev.stripeedge.core.spi.SharedResources;
import dev.stripeedge.core.spi.StoreContext;
import dev.stripeedge.core.spi.WorkQueueBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The message codec, the names SQS accepts, the settings; no server. */
class SqsWorkQueueTest {

  @Test
  void aWriteSurvivesTheMessageBodyIntact() {
    QueuedWrite write =
        new QueuedWrite(
            "aw_1",
            new EdgeRequest(
                "POST",
                "/v1/customers/cus_1",
                "expand[]=x&a=%20b",
                Map.of(
                    "authorization", List.of("Bearer sk_test_1"),
                    "idempotency-key", List.of("k\u00e9y")),
                "name=J\u00f6\n&x=1".getBytes(StandardCharsets.UTF_8)),
            "obj:cus_1",
            "https://app.example/done",
            Instant.ofEpochMilli(1_765_000_000_123L));

    QueuedWrite back = SqsWorkQueue.MessageCodec.decode(SqsWorkQueue.MessageCodec.encode(write));

    assertThat(back.id()).isEqualTo("aw_1");
    assertThat(back.orderKey()).isEqualTo("obj:cus_1");
    assertThat(back.callbackUrl()).isEqualTo("https://app.example/done");
    assertThat(back.acceptedAt()).isEqualTo(write.acceptedAt());
    assertThat(back.request().pathAndQuery()).isEqualTo(write.request().pathAndQuery());
    assertThat(back.request().headers()).isEqualTo(write.request().headers());
    assertThat(back.request().body()).isEqualTo(write.request().body());
  }

  @Test
  void aMessageOfAnotherKindIsRefused() {
    assertThatThrownBy(() -> SqsWorkQueue.MessageCodec.decode("hello"))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void groupIdsSqsRefusesAreHashed() {
    assertThat(SqsWorkQueue.messageGroup("obj:cus_1")).isEqualTo("obj:cus_1");
    assertThat(SqsWorkQueue.messageGroup("key:" + "x".repeat(200))).hasSize(64);
    assertThat(SqsWorkQueue.messageGroup("key:with space")).hasSize(64);
  }

  @Test
  void theBackendIsFoundByItsNameAndRefusesOptionsItDoesNotKnow() {
    WorkQueueBackend backend =
        ServiceLoader.load(WorkQueueBackend.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(found -> found.name().equals("sqs"))
            .findFirst()
            .orElseThrow();
    StoreContext context =
        new StoreContext(
            Path.of("unused.db"),
            new SimpleMeterRegistry(),
            Clock.fixed(Instant.EPOCH, ZoneOffset.UTC),
            new SharedResources() {
              @Override
              public <T extends AutoCloseable> T get(String key, Class<T> type, Supplier<T> open) {
                throw new UnsupportedOperationException(key);
              }
            });

    assertThatThrownBy(() -> backend.open(context, Map.of("queueUrl", "x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("queueUrl");
  }

  @Test
  void settingsNameTheBadValue() {
    assertThatThrownBy(() -> SqsQueueSettings.of(Map.of("queueName", "plain")))
        .hasMessageContaining("plain");
    assertThatThrownBy(() -> SqsQueueSettings.of(Map.of("queue", "x.fifo")))
        .hasMessageContaining("queue");
    assertThat(SqsQueueSettings.of(Map.of()).queueName()).isEqualTo("stripe-edge-writes.fifo");
  }
}
