package dev.stripeedge.core.internal;

import dev.stripeedge.core.ObjectChange;
import java.io.IOException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Orders two changes of one object within one second, which their events' {@code created} cannot:
 * by {@code previous_attributes}, the changed fields' values before a change. {@code later} follows
 * {@code earlier} when its values before match what {@code earlier} left, and not the other way
 * round (a change undoing the other fits both orders: unknown).
 */
final class ChangeOrder {

  private ChangeOrder() {}

  /** Whether {@code later} certainly came after {@code earlier}; false when it cannot be told. */
  static boolean follows(ObjectChange later, ObjectChange earlier) {
    if (!later.objectId().equals(earlier.objectId())
        || !later.apiVersion().equals(earlier.apiVersion())
        || later.previousAttributes().length == 0) {
      return false;
    }
    try {
      if (!(JsonTree.parse(later.previousAttributes()) instanceof Map<?, ?> before)
          || before.isEmpty()
          || !matches(before, JsonTree.parse(earlier.objectJson()))) {
        return false;
      }
      if (earlier.previousAttributes().length == 0) {
        return true;
      }
      return !(JsonTree.parse(earlier.previousAttributes()) instanceof Map<?, ?> earlierBefore
          && matches(earlierBefore, JsonTree.parse(later.objectJson())));
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Whether {@code state} holds every field of {@code fields} with its value; nested objects
   * compare field by field (Stripe lists only the changed keys of a hash), a missing field counts
   * as null.
   */
  private static boolean matches(Map<?, ?> fields, @Nullable Object state) {
    if (!(state instanceof Map<?, ?> object)) {
      return false;
    }
    for (Map.Entry<?, ?> field : fields.entrySet()) {
      Object expected = field.getValue();
      Object actual = object.get(field.getKey());
      boolean same =
          expected instanceof Map<?, ?> nested && actual instanceof Map<?, ?>
              ? matches(nested, actual)
              : java.util.Objects.equals(expected, actual);
      if (!same) {
        return false;
      }
    }
    return true;
  }
}
