package dev.stripeedge.core.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The objects of a Stripe list ({@code "object": "list"}), each as the bytes it has in the list,
 * which are the bytes a retrieve of it would answer when neither request expands anything.
 */
final class ListItems {

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build())
          .build();

  /**
   * One object of the list.
   *
   * @param id its top-level {@code id}
   * @param json its JSON, copied out of the list
   */
  record Item(String id, byte[] json) {}

  private ListItems() {}

  /** The items of {@code body}'s {@code data} that have an id; empty when it is not a list. */
  static List<Item> of(byte[] body) {
    List<Item> items = new ArrayList<>();
    boolean list = false;
    try (JsonParser parser = JSON.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return List.of();
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if (field.equals("object")) {
          list = value == JsonToken.VALUE_STRING && parser.getText().equals("list");
        } else if (field.equals("data") && value == JsonToken.START_ARRAY) {
          while (parser.nextToken() == JsonToken.START_OBJECT) {
            int start = (int) parser.currentTokenLocation().getByteOffset();
            String id = topLevelId(parser);
            byte[] json =
                Arrays.copyOfRange(body, start, (int) parser.currentLocation().getByteOffset());
            if (id != null) {
              items.add(new Item(id, json));
            }
          }
        } else {
          parser.skipChildren();
        }
      }
    } catch (IOException e) {
      return List.of();
    }
    return list ? items : List.of();
  }

  /** Reads one object to its end, returning its top-level string {@code id} or null. */
  private static @org.jspecify.annotations.Nullable String topLevelId(JsonParser parser)
      throws IOException {
    String id = null;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      if (field.equals("id") && value == JsonToken.VALUE_STRING) {
        id = parser.getText();
      } else {
        parser.skipChildren();
      }
    }
    return id;
  }
}
