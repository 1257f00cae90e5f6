package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.core.EdgeResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResponseCodecTest {

  private static final EdgeResponse CUSTOMER =
      new EdgeResponse(
          200,
          Map.of(
              "Content-Type", List.of("application/json"),
              "Request-Id", List.of("req_123"),
              "Set-Cookie", List.of("a=1", "b=ünïcode")),
          "{\"id\":\"cus_1\",\"name\":\"Zoë\"}".getBytes(StandardCharsets.UTF_8));

  @Test
  void aResponseRoundTrips() {
    EdgeResponse decoded = ResponseCodec.decode(ResponseCodec.encode(CUSTOMER));

    assertThat(decoded.status()).isEqualTo(200);
    assertThat(decoded.headers()).isEqualTo(CUSTOMER.headers());
    assertThat(decoded.body()).isEqualTo(CUSTOMER.body());
  }

  @Test
  void binaryAndEmptyBodiesRoundTrip() {
    byte[] every = new byte[256];
    for (int i = 0; i < every.length; i++) {
      every[i] = (byte) i;
    }
    EdgeResponse binary = new EdgeResponse(404, Map.of(), every);
    EdgeResponse empty = new EdgeResponse(204, Map.of("X", List.of("")), new byte[0]);

    assertThat(ResponseCodec.decode(ResponseCodec.encode(binary)).body()).isEqualTo(every);
    EdgeResponse decoded = ResponseCodec.decode(ResponseCodec.encode(empty));
    assertThat(decoded.status()).isEqualTo(204);
    assertThat(decoded.body()).isEmpty();
    assertThat(decoded.header("x")).isEmpty();
  }

  @Test
  void theFormatStartsWithMagicAndVersion() {
    byte[] encoded = ResponseCodec.encode(CUSTOMER);

    assertThat(encoded[0]).isEqualTo((byte) 0x5E);
    assertThat(encoded[1]).isEqualTo((byte) 1);
  }

  @Test
  void anUnknownVersionIsRefused() {
    byte[] encoded = ResponseCodec.encode(CUSTOMER);
    encoded[1] = 2;

    assertThatThrownBy(() -> ResponseCodec.decode(encoded))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("version 2");
  }

  @Test
  void truncatedOrPaddedBytesAreRefused() {
    byte[] encoded = ResponseCodec.encode(CUSTOMER);

    assertThatThrownBy(() -> ResponseCodec.decode(Arrays.copyOf(encoded, encoded.length - 3)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ResponseCodec.decode(Arrays.copyOf(encoded, encoded.length + 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("after the body");
    assertThatThrownBy(() -> ResponseCodec.decode(new byte[] {1, 2, 3}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ResponseCodec.decode(new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
