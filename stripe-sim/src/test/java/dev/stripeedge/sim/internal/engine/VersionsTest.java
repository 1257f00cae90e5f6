package dev.stripeedge.sim.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The version table's invariants, which the walk relies on. */
class VersionsTest {

  @Test
  void changesAreNewestFirstSoAVersionsChangesAreAPrefix() {
    for (int i = 1; i < Versions.CHANGES.size(); i++) {
      assertThat(Versions.CHANGES.get(i).version())
          .as("change %d (%s)", i, Versions.CHANGES.get(i).what())
          .isLessThanOrEqualTo(Versions.CHANGES.get(i - 1).version());
    }
    for (int i = 1; i < Versions.REQUEST_CHANGES.size(); i++) {
      assertThat(Versions.REQUEST_CHANGES.get(i).version())
          .isLessThanOrEqualTo(Versions.REQUEST_CHANGES.get(i - 1).version());
    }
  }

  @Test
  void theShapeIsParsedOnceAndIsCurrentFromTheNewestChangeOn() {
    assertThat(Versions.shape(null).current()).isTrue();
    assertThat(Versions.shape("2026-07-29.dahlia").current()).isTrue();
    assertThat(Versions.shape(Versions.CHANGES.get(0).version()).current()).isTrue();
    assertThat(Versions.shape("2020-08-27").date()).isEqualTo("2020-08-27");
    assertThat(Versions.shape("2025-09-30.clover").date()).isEqualTo("2025-09-30");
  }
}
