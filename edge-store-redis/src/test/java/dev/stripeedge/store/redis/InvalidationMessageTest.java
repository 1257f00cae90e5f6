package dev.stripeedge.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class InvalidationMessageTest {

  @Test
  void aMessageRoundTrips() {
    InvalidationMessage sent = InvalidationMessage.of("instance-1", List.of("cus_1", "pi_2"));

    assertThat(InvalidationMessage.decode(sent.encode())).isEqualTo(sent);
  }

  @Test
  void somethingElseOnTheChannelIsIgnored() {
    assertThat(InvalidationMessage.decode(RedisKeys.bytes("hello"))).isNull();
    assertThat(InvalidationMessage.decode(RedisKeys.bytes("\ncus_1"))).isNull();
  }
}
