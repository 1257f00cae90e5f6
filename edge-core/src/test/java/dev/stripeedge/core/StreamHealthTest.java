package dev.stripeedge.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The event stream's health on manual time: windows, quiet spells and the gaps they leave. */
class StreamHealthTest {

  private static final Duration WINDOW = Duration.ofMinutes(5);

  private final ManualTime time = new ManualTime();
  private final StreamHealth stream = StreamHealth.of(time.clock(), WINDOW);

  private long fetchNow() {
    time.advance(Duration.ofSeconds(1));
    return time.clock().millis();
  }

  @Test
  void coversNothingBeforeAnythingIsHeard() {
    long fetched = fetchNow();

    assertThat(stream.healthy()).isFalse();
    assertThat(stream.covers(fetched)).isFalse();
  }

  @Test
  void coversEntriesFetchedAfterTheFirstDeliveryWhileDeliveriesKeepComing() {
    long before = fetchNow();
    stream.deliverySeen();
    long after = fetchNow();

    for (int minute = 0; minute < 30; minute++) {
      time.advance(Duration.ofMinutes(1));
      stream.deliverySeen();
    }

    assertThat(stream.covers(after)).isTrue();
    // Fetched before the stream was first heard: an event in between may never have arrived.
    assertThat(stream.covers(before)).isFalse();
  }

  @Test
  void goesQuietOneWindowAfterTheLastDelivery() {
    stream.deliverySeen();
    long fetched = fetchNow();

    time.advance(WINDOW.minusSeconds(2));
    assertThat(stream.covers(fetched)).isTrue();

    time.advance(Duration.ofSeconds(1));
    assertThat(stream.healthy()).isFalse();
    assertThat(stream.covers(fetched)).isFalse();
  }

  @Test
  void aDeliveryAfterAQuietSpellCoversOnlyWhatWasFetchedAfterIt() {
    stream.deliverySeen();
    long beforeQuiet = fetchNow();
    time.advance(Duration.ofMinutes(20));

    stream.deliverySeen();
    long afterQuiet = fetchNow();

    assertThat(stream.healthy()).isTrue();
    assertThat(stream.covers(beforeQuiet)).isFalse();
    assertThat(stream.covers(afterQuiet)).isTrue();
  }

  @Test
  void aReconcilerPassBegunAfterTheGapCatchesUpAndCoversOlderEntriesAgain() {
    stream.deliverySeen();
    long beforeQuiet = fetchNow();
    time.advance(Duration.ofMinutes(20));
    stream.deliverySeen();

    time.advance(Duration.ofSeconds(30));
    long began = stream.now();
    time.advance(Duration.ofSeconds(2));
    stream.caughtUp(began);

    assertThat(stream.covers(beforeQuiet)).isTrue();
  }

  @Test
  void aPassBegunBeforeTheGapEndedDoesNotRepairIt() {
    stream.deliverySeen();
    long beforeQuiet = fetchNow();
    time.advance(Duration.ofMinutes(20));
    long began = stream.now();
    time.advance(Duration.ofSeconds(1));
    stream.deliverySeen(); // the stream resumed while that pass was reading
    time.advance(Duration.ofSeconds(1));
    stream.caughtUp(began);

    assertThat(stream.healthy()).isTrue();
    assertThat(stream.covers(beforeQuiet)).isFalse();
  }

  @Test
  void caughtUpPassesAloneKeepTheStreamHealthyForAWindowEach() {
    long fetched = fetchNow();
    stream.caughtUp(stream.now());
    assertThat(stream.covers(fetched)).isTrue();

    time.advance(WINDOW);
    assertThat(stream.covers(fetched)).isFalse();

    stream.caughtUp(stream.now());
    assertThat(stream.covers(fetched)).isTrue();
  }

  @Test
  void refusesAnEmptyWindow() {
    assertThatThrownBy(() -> StreamHealth.of(time.clock(), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT0S");
  }
}
