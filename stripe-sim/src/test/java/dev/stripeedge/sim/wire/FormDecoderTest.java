package dev.stripeedge.sim.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stripeedge.sim.internal.wire.FormDecoder;
import dev.stripeedge.sim.internal.wire.Params;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FormDecoderTest {

  @Test
  void nestsBracketedKeys() {
    Map<String, Object> decoded = FormDecoder.decode("metadata[order]=6735&name=Jo+Doe&a[b][c]=x");

    assertThat(decoded)
        .containsEntry("metadata", Map.of("order", "6735"))
        .containsEntry("name", "Jo Doe")
        .containsEntry("a", Map.of("b", Map.of("c", "x")));
  }

  @Test
  void readsEmptyBracketsAndIndexedArraysAsLists() {
    Params params =
        new Params(
            FormDecoder.decode(
                "expand[]=customer&expand[]=latest_charge&items[1][price]=p2&items[0][price]=p1"));

    assertThat(params.stringList("expand")).containsExactly("customer", "latest_charge");
    assertThat(params.objectList("items"))
        .extracting(p -> p.string("price"))
        .containsExactly("p1", "p2");
  }

  @Test
  void keepsEmptyStringAsUnset() {
    Params params = new Params(FormDecoder.decode("description=&metadata[k]="));

    assertThat(params.isUnset("description")).isTrue();
    assertThat(params.applyMetadata("metadata", Map.of("k", "v", "other", "w")))
        .isEqualTo(Map.of("other", "w"));
  }

  @Test
  void decodesPercentEncodedUtf8() {
    assertThat(FormDecoder.decode("name=Ren%C3%A9e%20%26%20co"))
        .containsEntry("name", "Renée & co");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "name=%C3%28", // invalid UTF-8
        "name=%G1", // bad hex
        "name=%4", // truncated escape
        "a[b=1", // unbalanced bracket
        "[a]=1", // no name
        "a=1&a[b]=2", // scalar then hash
        "a[]=1&a[b]=2", // list then hash
        "a[b][c][d][e][f][g][h][i][j]=1" // nested too deep
      })
  void refusesMalformedInputWithA400(String body) {
    assertThatThrownBy(() -> FormDecoder.decode(body))
        .isInstanceOfSatisfying(StripeError.class, e -> assertThat(e.status()).isEqualTo(400));
  }

  @Test
  void typedGettersNameTheNestedParameter() {
    Params params = new Params(FormDecoder.decode("recurring[interval_count]=abc"));

    assertThatThrownBy(() -> params.object("recurring").integer("interval_count"))
        .isInstanceOfSatisfying(
            StripeError.class,
            e -> {
              assertThat(e.code()).isEqualTo("parameter_invalid_integer");
              assertThat(e.param()).isEqualTo("recurring[interval_count]");
            });
  }

  @Test
  void allowOnlyReportsTheUnknownParameter() {
    Params params = new Params(FormDecoder.decode("email=a@b.c&colour=red"));

    assertThatThrownBy(() -> params.allowOnly(List.of("email")))
        .isInstanceOfSatisfying(
            StripeError.class,
            e -> {
              assertThat(e.code()).isEqualTo("parameter_unknown");
              assertThat(e.getMessage()).isEqualTo("Received unknown parameter: colour");
            });
  }
}
