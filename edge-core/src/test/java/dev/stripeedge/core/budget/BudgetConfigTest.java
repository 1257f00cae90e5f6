package dev.stripeedge.core.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BudgetConfigTest {

  @Test
  void withAimdSetsTheFourValuesItNames() {
    BudgetConfig config = BudgetConfig.live().withAimd(0.3, 0.02, 0.2, Duration.ofSeconds(7));

    assertThat(config.decrease()).isEqualTo(0.3);
    assertThat(config.recoveryPerSecond()).isEqualTo(0.02);
    assertThat(config.minFactor()).isEqualTo(0.2);
    assertThat(config.cutCooldown()).isEqualTo(Duration.ofSeconds(7));
    // Nothing else moves.
    assertThat(
            config.withAimd(
                BudgetConfig.live().decrease(),
                BudgetConfig.live().recoveryPerSecond(),
                BudgetConfig.live().minFactor(),
                BudgetConfig.live().cutCooldown()))
        .isEqualTo(BudgetConfig.live());
  }
}
