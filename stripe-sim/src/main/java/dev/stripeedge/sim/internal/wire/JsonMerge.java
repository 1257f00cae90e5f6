package dev.stripeedge.sim.internal.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * JSON merge patch (RFC 7386 without null-deletes): objects merge field by field, all else
 * replaces.
 */
public final class JsonMerge {

  private JsonMerge() {}

  /** Applies {@code patch} onto {@code target} in place. */
  public static void merge(ObjectNode target, JsonNode patch) {
    patch
        .properties()
        .forEach(
            field -> {
              JsonNode existing = target.get(field.getKey());
              if (existing instanceof ObjectNode object && field.getValue().isObject()) {
                merge(object, field.getValue());
              } else {
                target.set(field.getKey(), field.getValue());
              }
            });
  }
}
