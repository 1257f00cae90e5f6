package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the form decoder that decides on query strings and write bodies ({@link FormCodec}) and
 * the cache key's canonical query built on it: never an exception, decoding what it encoded gives
 * the same pairs back, canonical forms are fixed points, and the "expands" decision is the same on
 * the raw text and on its canonical spelling (a spelling must not change a decision).
 */
class FormCodecFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void form(byte[] data) {
    // As a server decodes a query string, and as the pipeline reads a form body.
    for (String raw :
        new String[] {
          new String(data, StandardCharsets.UTF_8), new String(data, StandardCharsets.ISO_8859_1)
        }) {
      var pairs = FormCodec.decode(raw);
      assertThat(pairs.size()).isLessThanOrEqualTo(raw.length() / 2 + 1);
      String canonical = FormCodec.canonical(raw);
      assertThat(FormCodec.decode(FormCodec.encode(pairs))).isEqualTo(pairs);
      assertThat(FormCodec.canonical(canonical)).isEqualTo(canonical);
      assertThat(FormCodec.expands(canonical)).isEqualTo(FormCodec.expands(raw));
      String query = HmacCacheKeys.canonicalQuery(raw);
      assertThat(HmacCacheKeys.canonicalQuery(query)).isEqualTo(query);
    }
  }
}
