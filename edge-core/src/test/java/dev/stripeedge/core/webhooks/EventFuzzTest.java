package dev.stripeedge.core.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.ObjectChange;
import dev.stripeedge.core.UpstreamException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;

/**
 * Fuzzes event JSON from outside (a webhook body that passed its signature, or a page of {@code
 * /v1/events}): {@link StripeEvent#parse} refuses with {@link IllegalArgumentException} or reads an
 * event with an id and a type, {@link StripeEvent#change} never throws, and recording and applying
 * it ({@link EventProcessor#process}) never throws either.
 */
class EventFuzzTest {

  private static final EdgePipeline PIPELINE =
      EdgePipeline.builder(
              (request, timeout) ->
                  CompletableFuture.failedFuture(
                      new UpstreamException(UpstreamException.Kind.CONNECT, "offline", null)))
          .build();
  private static final EventProcessor PROCESSOR =
      EventProcessor.of(
          EventLedger.inMemory(), PIPELINE, Clock.systemUTC(), new SimpleMeterRegistry());

  @FuzzTest(maxDuration = "30s")
  void eventJson(byte[] data) {
    StripeEvent event;
    try {
      event = StripeEvent.parse(data);
    } catch (IllegalArgumentException e) {
      // The message reaches the sender's answer and the log: short, and never the input's bytes.
      assertThat(e.getMessage()).hasSizeLessThan(200).doesNotContainPattern("\\p{Cntrl}");
      return;
    }
    assertThat(event.id()).isNotBlank();
    assertThat(event.type()).isNotBlank();
    assertThat(event.created()).isNotNegative();
    // Each id found takes at least "id":"" in the input.
    assertThat(event.objectIds().size()).isLessThanOrEqualTo(data.length / 7 + 1);

    ObjectChange change = event.change(data);
    if (change != null) {
      assertThat(change.objectId()).isEqualTo(event.objectId());
      assertThat(change.account()).isEqualTo(event.account());
      assertThat(change.objectJson().length).isLessThanOrEqualTo(data.length);
    }
    PROCESSOR.process(event, data, "fuzz");
  }
}
