package dev.stripeedge.core.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * JSON as plain Java values, for comparing by meaning rather than by spelling: objects become maps
 * (key order ignored), arrays lists, numbers {@link java.math.BigDecimal}s without trailing zeros
 * (1.50 equals 1.5, 1 equals 1.0), then strings, booleans and null.
 */
public final class JsonTree {

  private static final JsonFactory JSON = new JsonFactory();

  private JsonTree() {}

  /**
   * {@code json} as maps, lists, strings, numbers, booleans and null.
   *
   * @throws IOException when it is not one JSON value
   */
  public static @Nullable Object parse(byte[] json) throws IOException {
    try (JsonParser parser = JSON.createParser(json)) {
      JsonToken token = parser.nextToken();
      if (token == null) {
        throw new IOException("empty body");
      }
      Object value = value(parser, token);
      if (parser.nextToken() != null) {
        throw new IOException("trailing content");
      }
      return value;
    }
  }

  private static @Nullable Object value(JsonParser parser, JsonToken token) throws IOException {
    return switch (token) {
      case START_OBJECT -> {
        Map<String, @Nullable Object> object = new HashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          object.put(name, value(parser, parser.nextToken()));
        }
        yield object;
      }
      case START_ARRAY -> {
        List<@Nullable Object> array = new ArrayList<>();
        JsonToken next;
        while ((next = parser.nextToken()) != JsonToken.END_ARRAY) {
          array.add(value(parser, next));
        }
        yield array;
      }
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getDecimalValue().stripTrailingZeros();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw new IOException("unexpected JSON token " + token);
    };
  }
}
