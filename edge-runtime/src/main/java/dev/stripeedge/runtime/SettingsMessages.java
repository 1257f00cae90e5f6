package dev.stripeedge.runtime;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * {@link EdgeSettingsLoader}'s error messages: what is wrong and where, never the value (it may be
 * a secret), with a suggestion for a near-miss key.
 */
final class SettingsMessages {

  private SettingsMessages() {}

  /** The JSON pointer of the setting a binding failure is about ({@code /cache/maxByte}). */
  static String pointer(JsonMappingException e) {
    StringBuilder pointer = new StringBuilder();
    for (JsonMappingException.Reference step : e.getPath()) {
      if (step.getFieldName() != null) {
        pointer.append('/').append(step.getFieldName());
      } else if (step.getIndex() >= 0) {
        pointer.append('/').append(step.getIndex());
      }
    }
    return pointer.toString();
  }

  /**
   * What is wrong, never with the value: Jackson's own messages quote it, and it may be a secret (a
   * key pasted under the wrong setting). The configuration's records say what is wrong with a value
   * without quoting secrets, so their messages are kept.
   */
  static String describe(IOException e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof IllegalArgumentException) {
      String message = firstLine(e);
      if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
        // A value's own check (a duration's parser) does not know which setting it is.
        String key = pointer(mapping).substring(1).replace('/', '.');
        String last = key.substring(key.lastIndexOf('.') + 1);
        if (!message.contains(last)) {
          return key + ": " + message;
        }
      }
      return message;
    }
    if (e instanceof UnrecognizedPropertyException unknown) {
      // A key, not a value: safe to name, and the point of the message.
      StringBuilder where = new StringBuilder();
      for (JsonMappingException.Reference step : unknown.getPath()) {
        if (step.getFieldName() != null) {
          where.append(where.isEmpty() ? "" : ".").append(step.getFieldName());
        }
      }
      String name = unknown.getPropertyName();
      String hint =
          name.endsWith("Seconds") || name.endsWith("Millis")
              ? " (settings take durations now: "
                  + name.replaceAll("(Seconds|Millis)$", "")
                  + ": 30s, 250ms…)"
              : suggestion(name, unknown.getKnownPropertyIds());
      return "unknown setting " + where + hint;
    }
    if (e instanceof JsonMappingException mapping) {
      StringBuilder where = new StringBuilder();
      for (JsonMappingException.Reference step : mapping.getPath()) {
        if (step.getFieldName() != null) {
          where.append(where.isEmpty() ? "" : ".").append(step.getFieldName());
        } else if (step.getIndex() >= 0) {
          where.append('[').append(step.getIndex()).append(']');
        }
      }
      String expected =
          e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null
              ? " (expected " + kind(mismatch.getTargetType()) + ")"
              : "";
      return (where.isEmpty() ? "the file" : where)
          + ": a value of the wrong kind"
          + expected
          + "; the value is not shown, it may be a secret";
    }
    return "the file cannot be read as a configuration";
  }

  /** {@code (did you mean maxBytes?)} for a near miss, else where every setting is listed. */
  private static String suggestion(String name, java.util.@Nullable Collection<Object> known) {
    String best = null;
    int bestDistance = 3;
    for (Object candidate : known == null ? java.util.List.<Object>of() : known) {
      int distance =
          distance(
              name.toLowerCase(java.util.Locale.ROOT),
              candidate.toString().toLowerCase(java.util.Locale.ROOT));
      if (distance < bestDistance) {
        best = candidate.toString();
        bestDistance = distance;
      }
    }
    return best != null
        ? " (did you mean " + best + "? every setting is in edge-config.example.yaml)"
        : " (a typo? every setting is in edge-config.example.yaml)";
  }

  /** Levenshtein distance. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] =
            Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  private static String kind(Class<?> type) {
    if (type == String.class || type == dev.stripeedge.core.Secret.class) {
      return "a string";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == int.class || type == long.class || type == Integer.class || type == Long.class) {
      return "a whole number";
    }
    if (type.isPrimitive() || Number.class.isAssignableFrom(type)) {
      return "a number";
    }
    if (type == Duration.class) {
      return "a duration such as 30s, 250ms, 5m";
    }
    if (type.isEnum()) {
      return "one of " + java.util.Arrays.toString(type.getEnumConstants());
    }
    if (java.util.Collection.class.isAssignableFrom(type)) {
      return "a list";
    }
    return "a mapping";
  }

  static String firstLine(@Nullable String message) {
    String text = message == null ? "" : message;
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  private static String firstLine(Exception e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.toString() : root.getMessage();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
