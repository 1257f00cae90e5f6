package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonTreeTest {

  @Test
  void jsonIsComparedByValueNotBySpelling() throws Exception {
    assertThat(
            JsonTree.parse(bytes("{\"a\": 1, \"b\": [true, null, \"x\"], \"c\": {\"d\": 1.50}}")))
        .isEqualTo(JsonTree.parse(bytes("{\"c\":{\"d\":1.5},\"b\":[true,null,\"x\"],\"a\":1}")));
    assertThat(JsonTree.parse(bytes("{\"b\": [1, 2]}")))
        .as("array order matters")
        .isNotEqualTo(JsonTree.parse(bytes("{\"b\": [2, 1]}")));
    assertThat(JsonTree.parse(bytes("{\"a\": \"1\"}")))
        .isNotEqualTo(JsonTree.parse(bytes("{\"a\": 1}")));
    assertThatThrownBy(() -> JsonTree.parse(bytes("{\"a\": 1} trailing")))
        .isInstanceOf(java.io.IOException.class);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
