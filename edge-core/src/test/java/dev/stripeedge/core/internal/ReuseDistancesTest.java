package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReuseDistancesTest {

  /** Bytes of the keys more recent than {@code key} in an LRU list (most recent last), or -1. */
  private static long bruteForce(List<Integer> recency, int[] sizes, int key) {
    int at = recency.lastIndexOf(key);
    if (at < 0) {
      return -1;
    }
    long bytes = 0;
    for (int i = at + 1; i < recency.size(); i++) {
      bytes += sizes[recency.get(i)];
    }
    return bytes;
  }

  private static void matchesBruteForce(int[] trace, int[] sizes) {
    // A small initial capacity: the trace renumbers the tree many times.
    ReuseDistances distances = new ReuseDistances(16);
    List<Integer> recency = new ArrayList<>();
    for (int key : trace) {
      long expected = bruteForce(recency, sizes, key);
      ReuseDistances.Reference reference = distances.reference(key, sizes[key]);
      if (expected < 0) {
        assertThat(reference.first()).isTrue();
      } else {
        assertThat(reference.first()).isFalse();
        assertThat(reference.distanceBytes()).isEqualTo(expected);
        assertThat(reference.previousBytes()).isEqualTo(sizes[key]);
      }
      recency.remove((Integer) key);
      recency.add(key);
    }
    assertThat(distances.keys()).isEqualTo(recency.size());
  }

  @Test
  void zipfDistancesMatchAnLruListWithMixedSizes() {
    matchesBruteForce(Traces.zipf(20_000, 500, 0.9, 1), Traces.mixedSizes(500, 2));
  }

  @Test
  void uniformDistancesMatchAnLruListWithMixedSizes() {
    matchesBruteForce(Traces.uniform(20_000, 300, 3), Traces.mixedSizes(300, 4));
  }

  @Test
  void aKeyThatChangedSizeCountsItsNewSizeInOthersDistances() {
    ReuseDistances distances = new ReuseDistances(16);
    distances.reference(1, 100);
    distances.reference(2, 10);
    distances.reference(2, 30);

    ReuseDistances.Reference again = distances.reference(1, 100);

    assertThat(again.distanceBytes()).isEqualTo(30);
    assertThat(distances.bytes()).isEqualTo(130);
  }

  @Test
  void aForgottenKeyNoLongerCountsAndStartsOver() {
    ReuseDistances distances = new ReuseDistances(16);
    distances.reference(1, 100);
    distances.reference(2, 50);
    distances.forget(2);

    assertThat(distances.reference(1, 100).distanceBytes()).isZero();
    assertThat(distances.reference(2, 50).first()).isTrue();
  }

  @Test
  void aNegativeSizeIsRefused() {
    assertThatThrownBy(() -> new ReuseDistances(16).reference(1, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
  }
}
