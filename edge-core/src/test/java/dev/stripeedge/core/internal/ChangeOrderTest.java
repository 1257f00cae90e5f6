package dev.stripeedge.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.core.ObjectChange;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChangeOrderTest {

  private static final String VERSION = "2026-07-29.dahlia";

  private static ObjectChange change(String object, String previous) {
    return new ObjectChange(
        "cus_1",
        100,
        VERSION,
        object.getBytes(StandardCharsets.UTF_8),
        previous.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aChangeWhoseValuesBeforeAreWhatTheOtherLeftFollowsIt() {
    ObjectChange first =
        change("{\"id\":\"cus_1\",\"name\":\"v1\",\"email\":\"a@x\"}", "{\"name\":\"v0\"}");
    ObjectChange second =
        change("{\"id\":\"cus_1\",\"name\":\"v2\",\"email\":\"a@x\"}", "{\"name\":\"v1\"}");

    assertThat(ChangeOrder.follows(second, first)).isTrue();
    assertThat(ChangeOrder.follows(first, second)).isFalse();
  }

  @Test
  void aChangeUndoingTheOtherFitsBothOrdersSoNeitherIsKnownToFollow() {
    ObjectChange there = change("{\"id\":\"cus_1\",\"name\":\"y\"}", "{\"name\":\"x\"}");
    ObjectChange back = change("{\"id\":\"cus_1\",\"name\":\"x\"}", "{\"name\":\"y\"}");

    assertThat(ChangeOrder.follows(back, there)).isFalse();
    assertThat(ChangeOrder.follows(there, back)).isFalse();
  }

  @Test
  void nestedHashesCompareOnlyTheListedKeysAndAMissingFieldIsNull() {
    ObjectChange first =
        change(
            "{\"id\":\"cus_1\",\"metadata\":{\"a\":\"1\",\"b\":\"2\"}}",
            "{\"metadata\":{\"a\":null}}");
    ObjectChange second =
        change(
            "{\"id\":\"cus_1\",\"metadata\":{\"a\":\"1\",\"b\":\"3\"},\"phone\":\"+1\"}",
            "{\"metadata\":{\"b\":\"2\"},\"phone\":null}");

    assertThat(ChangeOrder.follows(second, first)).isTrue();
  }

  @Test
  void withoutPreviousAttributesOrAcrossApiVersionsNothingIsKnown() {
    ObjectChange first = change("{\"id\":\"cus_1\",\"name\":\"v1\"}", "{\"name\":\"v0\"}");
    ObjectChange bare = change("{\"id\":\"cus_1\",\"name\":\"v2\"}", "");
    ObjectChange otherShape =
        new ObjectChange(
            "cus_1",
            100,
            "2020-08-27",
            "{\"id\":\"cus_1\",\"name\":\"v2\"}".getBytes(StandardCharsets.UTF_8),
            "{\"name\":\"v1\"}".getBytes(StandardCharsets.UTF_8));
    ObjectChange notJson = change("{\"id\":\"cus_1\",\"name\":\"v2\"}", "{not json");

    assertThat(ChangeOrder.follows(bare, first)).isFalse();
    assertThat(ChangeOrder.follows(otherShape, first)).isFalse();
    assertThat(ChangeOrder.follows(notJson, first)).isFalse();
  }
}
