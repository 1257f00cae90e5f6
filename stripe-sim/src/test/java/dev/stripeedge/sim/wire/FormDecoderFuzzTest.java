package dev.stripeedge.sim.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.stripeedge.sim.internal.wire.FormDecoder;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the simulator's form decoder with bodies and query strings from outside: it answers nested
 * parameters or a {@link StripeError} (Stripe's 400), never another exception (the simulator's
 * 500), and never nests deeper than {@link FormDecoder#MAX_DEPTH}.
 */
class FormDecoderFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void form(byte[] data) {
    // As the simulator reads a body (ISO-8859-1) and as a server hands over a query (UTF-8).
    for (String encoded :
        List.of(
            new String(data, StandardCharsets.ISO_8859_1),
            new String(data, StandardCharsets.UTF_8))) {
      try {
        Map<String, Object> params = FormDecoder.decode(encoded);
        assertThat(depth(params)).isLessThanOrEqualTo(FormDecoder.MAX_DEPTH + 1);
      } catch (StripeError e) {
        assertThat(e.getMessage()).hasSizeLessThan(400);
      }
    }
  }

  private static int depth(Object value) {
    if (value instanceof Map<?, ?> map) {
      return 1 + map.values().stream().mapToInt(FormDecoderFuzzTest::depth).max().orElse(0);
    }
    if (value instanceof List<?> list) {
      return 1 + list.stream().mapToInt(FormDecoderFuzzTest::depth).max().orElse(0);
    }
    return 0;
  }
}
