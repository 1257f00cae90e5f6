package dev.stripeedge.queue.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class SendBatchesTest {

  @Test
  void tenEntriesACallInOrder() {
    List<List<Integer>> calls = SendBatches.split(Collections.nCopies(25, 1_000));

    assertThat(calls)
        .containsExactly(
            List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
            List.of(10, 11, 12, 13, 14, 15, 16, 17, 18, 19),
            List.of(20, 21, 22, 23, 24));
  }

  @Test
  void aCallStaysUnderSqsBytesAndABigMessageGoesAlone() {
    int quarter = SendBatches.MAX_BYTES / 4;

    List<List<Integer>> calls =
        SendBatches.split(
            List.of(quarter, quarter, quarter, quarter, 1, SendBatches.MAX_BYTES + 1, 1));

    assertThat(calls).containsExactly(List.of(0, 1, 2, 3), List.of(4), List.of(5), List.of(6));
  }

  @Test
  void nothingToSendIsNoCall() {
    assertThat(SendBatches.split(List.of())).isEmpty();
  }
}
