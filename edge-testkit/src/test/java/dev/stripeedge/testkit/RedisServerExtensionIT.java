package dev.stripeedge.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisServerExtensionIT {

  @RegisterExtension static final RedisServerExtension redis = new RedisServerExtension();

  @Test
  void theServerAnswersOnItsLoopbackPort() {
    assertThat(redis.uri()).isEqualTo("redis://127.0.0.1:" + redis.port());
    assertThat(redis.command("PING")).isEqualTo("+PONG");
  }

  @Test
  void theServerKeepsNothingOnDisk() {
    assertThat(redis.command("CONFIG GET save")).isEqualTo("save\n");
    assertThat(redis.command("CONFIG GET appendonly")).isEqualTo("appendonly\nno");
  }

  @Test
  void aStoppedServerComesBackEmptyOnTheSamePort() throws Exception {
    int port = redis.port();
    assertThat(redis.command("SET kept 1")).isEqualTo("+OK");

    redis.stop();
    assertThat(redis.running()).isFalse();
    assertThat(redis.command("PING")).isNull();

    redis.start();
    assertThat(redis.port()).isEqualTo(port);
    assertThat(redis.command("PING")).isEqualTo("+PONG");
    assertThat(redis.command("EXISTS kept")).isEqualTo(":0");
  }

  @Test
  void aPausedServerAnswersNothingUntilResumed() throws Exception {
    redis.pause();
    try {
      assertThat(redis.command("PING")).isNull();
    } finally {
      redis.resume();
    }
    assertThat(redis.command("PING")).isEqualTo("+PONG");
  }

  @Test
  void aMissingExecutableFailsWithHowToInstallIt() {
    assertThatThrownBy(() -> RedisServerProcess.executable("redis-server-that-does-not-exist"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("apt-get install -y redis-server");
  }
}
