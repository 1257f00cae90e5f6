package dev.stripeedge.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimConfigTest {

  @TempDir Path dir;

  @Test
  void theDocumentedExampleIsExactlyTheDefaults() {
    assertThat(SimConfig.load(Path.of("..", "docs", "sim-config.example.yaml")))
        .isEqualTo(SimConfig.defaults());
  }

  @Test
  void aPartialNestedSectionKeepsTheOtherDefaults() throws Exception {
    Path file = dir.resolve("sim.yaml");
    Files.writeString(file, "mode: LIVE\nlimits:\n  globalRate: 50\n");

    SimConfig config = SimConfig.load(file);

    assertThat(config.mode()).isEqualTo(SimMode.LIVE);
    assertThat(config.limits().globalRate()).isEqualTo(50);
    assertThat(config.limits().endpointRate()).isEqualTo(SimConfig.Limits.stripe().endpointRate());
  }

  @Test
  void typosAndBadValuesAreErrors() throws Exception {
    Path typo = dir.resolve("typo.yaml");
    Files.writeString(typo, "limits:\n  globalRat: 50\n");
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "port: 70000\n");

    assertThatThrownBy(() -> SimConfig.load(typo)).hasMessageContaining("globalRat");
    assertThatThrownBy(() -> SimConfig.load(bad)).isInstanceOf(IllegalArgumentException.class);
  }
}
