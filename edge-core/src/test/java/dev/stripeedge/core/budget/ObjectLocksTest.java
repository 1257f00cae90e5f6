package dev.stripeedge.core.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ObjectLocksTest {

  private static final long SECOND = 1_000_000_000L;

  private static ObjectLocks locks(boolean serializeWrites) {
    return new ObjectLocks(BudgetConfig.live().withSerializeWrites(serializeWrites));
  }

  @Test
  void writesGoTogetherUntilALockTimeout() {
    ObjectLocks locks = locks(false);

    assertThat(locks.hold("pi_1", 0)).isFalse();
    assertThat(locks.blocks("pi_1", 0)).isFalse();
    assertThat(locks.atRest(0)).isTrue();
  }

  @Test
  void afterALockTimeoutOneWriteAtATimeForAWhile() {
    ObjectLocks locks = locks(false);
    long memory = BudgetConfig.live().lockTimeoutMemory().toNanos();

    locks.lockTimedOut("pi_1", 0);

    assertThat(locks.serialised("pi_1", 0)).isTrue();
    assertThat(locks.serialised("pi_2", 0)).isFalse();
    assertThat(locks.atRest(0)).isFalse();
    assertThat(locks.hold("pi_1", SECOND)).isTrue();
    assertThat(locks.blocks("pi_1", SECOND)).isTrue();
    locks.release("pi_1");
    assertThat(locks.blocks("pi_1", SECOND)).isFalse();
    assertThat(locks.serialised("pi_1", memory)).isFalse();
    assertThat(locks.atRest(memory)).isTrue();
  }

  @Test
  void serializeWritesHoldsEveryObjectAndNoWriteWithoutOne() {
    ObjectLocks locks = locks(true);

    assertThat(locks.hold(null, 0)).isFalse();
    assertThat(locks.blocks(null, 0)).isFalse();
    assertThat(locks.hold("cus_1", 0)).isTrue();
    assertThat(locks.blocks("cus_1", 0)).isTrue();
    assertThat(locks.blocks("cus_2", 0)).isFalse();
  }

  @Test
  void aLockTimeoutIsForgottenAfterItsMemory() {
    ObjectLocks locks = new ObjectLocks(BudgetConfig.live().withSerializeWrites(false));
    locks.lockTimedOut("pi_1", 0);

    assertThat(locks.atRest(Duration.ofHours(1).toNanos())).isTrue();
  }
}
