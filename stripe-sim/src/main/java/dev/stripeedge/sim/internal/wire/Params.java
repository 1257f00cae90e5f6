package dev.stripeedge.sim.internal.wire;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Typed, validating access to decoded request parameters.
 *
 * <p>Every getter names the full parameter in its error ({@code recurring[interval]}), as Stripe
 * does. An empty string is "unset": {@link #isUnset} tells it apart from "absent". Not thread-safe;
 * one instance per request.
 */
public final class Params {

  private final Map<String, Object> values;
  private final String prefix;

  public Params(Map<String, Object> values) {
    this(values, "");
  }

  private Params(Map<String, Object> values, String prefix) {
    this.values = values;
    this.prefix = prefix;
  }

  public static Params empty() {
    return new Params(new LinkedHashMap<>());
  }

  /** The raw decoded values (maps, lists and strings). */
  public Map<String, Object> raw() {
    return values;
  }

  public Set<String> names() {
    return values.keySet();
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  /** True when the parameter was sent as an empty string: Stripe's "unset this field". */
  public boolean isUnset(String name) {
    return "".equals(values.get(name));
  }

  /** The full name of a parameter for error messages, e.g. {@code items[0][price]}. */
  public String param(String name) {
    return prefix.isEmpty() ? name : prefix + "[" + name + "]";
  }

  /** Fails with {@code parameter_unknown} for the first name not in {@code allowed}. */
  public Params allowOnly(Collection<String> allowed) {
    for (String name : values.keySet()) {
      if (!allowed.contains(name)) {
        throw StripeError.parameterUnknown(param(name));
      }
    }
    return this;
  }

  /** Fails with {@code parameter_missing} unless every name is present and set. */
  public Params require(String... names) {
    for (String name : names) {
      if (!has(name) || isUnset(name)) {
        throw StripeError.parameterMissing(param(name));
      }
    }
    return this;
  }

  public @Nullable String string(String name) {
    Object value = values.get(name);
    if (value == null || "".equals(value)) {
      return null;
    }
    if (value instanceof String s) {
      return s;
    }
    throw StripeError.invalid(
        "parameter_invalid_string",
        "Invalid string: expected a string for " + param(name),
        param(name));
  }

  public String requiredString(String name) {
    require(name);
    return string(name);
  }

  public String stringOr(String name, String fallback) {
    String value = string(name);
    return value == null ? fallback : value;
  }

  /** A string that must be one of {@code allowed}. */
  public @Nullable String oneOf(String name, List<String> allowed) {
    String value = string(name);
    if (value != null && !allowed.contains(value)) {
      throw StripeError.invalidEnum(param(name), value, allowed);
    }
    return value;
  }

  public @Nullable Long integer(String name) {
    String value = string(name);
    if (value == null) {
      return null;
    }
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw StripeError.invalidInteger(param(name), value);
    }
  }

  public long requiredInteger(String name) {
    require(name);
    return integer(name);
  }

  /** A non-negative integer amount in the smallest currency unit. */
  public @Nullable Long amount(String name) {
    Long value = integer(name);
    if (value != null && value < 0) {
      throw StripeError.invalid(
          "parameter_invalid_integer",
          "Invalid integer: " + value + ". This value must be greater than or equal to 0.",
          param(name));
    }
    return value;
  }

  public @Nullable Double decimal(String name) {
    String value = string(name);
    if (value == null) {
      return null;
    }
    try {
      return Double.parseDouble(value.strip());
    } catch (NumberFormatException e) {
      throw StripeError.invalid(
          "parameter_invalid_decimal", "Invalid decimal: " + value, param(name));
    }
  }

  public @Nullable Boolean bool(String name) {
    String value = string(name);
    if (value == null) {
      return null;
    }
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default -> throw StripeError.invalidBoolean(param(name), value);
    };
  }

  public boolean boolOr(String name, boolean fallback) {
    Boolean value = bool(name);
    return value == null ? fallback : value;
  }

  /** A nested hash, or null when absent or unset. */
  @SuppressWarnings("unchecked")
  public @Nullable Params object(String name) {
    Object value = values.get(name);
    if (value == null || "".equals(value)) {
      return null;
    }
    if (value instanceof Map<?, ?> map) {
      return new Params((Map<String, Object>) map, param(name));
    }
    throw StripeError.invalid(
        "parameter_invalid_hash", "Invalid hash: expected a hash for " + param(name), param(name));
  }

  /** A list sent as {@code a[]=} or {@code a[0]=}; empty when absent. */
  @SuppressWarnings("unchecked")
  public List<Object> list(String name) {
    Object value = values.get(name);
    if (value == null || "".equals(value)) {
      return List.of();
    }
    if (value instanceof List<?> list) {
      return (List<Object>) list;
    }
    if (value instanceof Map<?, ?> map) {
      TreeMap<Integer, Object> byIndex = new TreeMap<>();
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        try {
          byIndex.put(Integer.parseInt((String) entry.getKey()), entry.getValue());
        } catch (NumberFormatException e) {
          throw notArray(name);
        }
      }
      return new ArrayList<>(byIndex.values());
    }
    throw notArray(name);
  }

  public List<String> stringList(String name) {
    List<String> strings = new ArrayList<>();
    List<Object> list = list(name);
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof String s)) {
        throw StripeError.invalid(
            "parameter_invalid_string",
            "Invalid string: expected a string for " + param(name) + "[" + i + "]",
            param(name));
      }
      strings.add(s);
    }
    return strings;
  }

  @SuppressWarnings("unchecked")
  public List<Params> objectList(String name) {
    List<Params> objects = new ArrayList<>();
    List<Object> list = list(name);
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof Map<?, ?> map)) {
        throw StripeError.invalid(
            "parameter_invalid_hash",
            "Invalid hash: expected a hash for " + param(name) + "[" + i + "]",
            param(name));
      }
      objects.add(new Params((Map<String, Object>) map, param(name) + "[" + i + "]"));
    }
    return objects;
  }

  /**
   * Applies a {@code metadata} parameter to {@code current} with Stripe's rules: a key set to "" is
   * removed, {@code metadata=""} clears all, other keys are added or replaced. At most 50 keys,
   * keys ≤ 40 characters, values ≤ 500.
   */
  public Map<String, Object> applyMetadata(String name, Map<String, Object> current) {
    if (!has(name)) {
      return current;
    }
    if (isUnset(name)) {
      return new LinkedHashMap<>();
    }
    Params metadata = object(name);
    Map<String, Object> updated = new LinkedHashMap<>(current);
    for (String key : metadata.names()) {
      String value = metadata.string(key);
      if (key.length() > 40) {
        throw StripeError.invalid(
            "parameter_invalid_string",
            "Metadata keys can be at most 40 characters long.",
            metadata.param(key));
      }
      if (value == null) {
        updated.remove(key);
      } else if (value.length() > 500) {
        throw StripeError.invalid(
            "parameter_invalid_string",
            "Metadata values can be at most 500 characters long.",
            metadata.param(key));
      } else {
        updated.put(key, value);
      }
    }
    if (updated.size() > 50) {
      throw StripeError.invalid(
          "parameter_invalid_hash", "Metadata can have at most 50 keys.", param(name));
    }
    return updated;
  }

  private StripeError notArray(String name) {
    return StripeError.invalid(
        "parameter_invalid_array",
        "Invalid array: expected an array for " + param(name),
        param(name));
  }
}
