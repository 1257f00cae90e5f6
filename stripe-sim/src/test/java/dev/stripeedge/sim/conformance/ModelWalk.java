package dev.stripeedge.sim.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.gson.annotations.SerializedName;
import com.stripe.model.ExpandableField;
import com.stripe.model.StripeCollection;
import java.lang.reflect.Field;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Walks a rendered object beside stripe-java's model class for it, by the {@code @SerializedName}
 * of each field and the field's declared type: nested classes, {@code ExpandableField<T>} (an id,
 * or an expanded {@code T}), {@code List<T>} and {@code StripeCollection<T>} lists. Records {@code
 * resource +path} for every key the model has no field for. Maps (metadata, currency options) and
 * raw JSON ({@code data.object} of an event) are not followed.
 */
final class ModelWalk {

  private static final java.util.Map<String, Class<?>> POLYMORPHIC =
      java.util.Map.of(
          "card", com.stripe.model.Card.class,
          "bank_account", com.stripe.model.BankAccount.class,
          "source", com.stripe.model.Source.class,
          "account", com.stripe.model.Account.class);

  private ModelWalk() {}

  static void compare(
      String resource, String path, @Nullable Type model, JsonNode json, TreeSet<String> out) {
    Class<?> type = raw(model);
    if (type != null && type.isInterface()) {
      // A polymorphic field (a customer's sources: PaymentSource): Gson picks by "object".
      type = POLYMORPHIC.get(json.path("object").asText());
    }
    if (type == null
        || !json.isObject()
        || !com.stripe.model.StripeObjectInterface.class.isAssignableFrom(type)) {
      return;
    }
    if (StripeCollection.class.isAssignableFrom(type)) {
      Type element = collectionElement(model);
      JsonNode data = json.path("data");
      if (element != null && data.isArray() && !data.isEmpty()) {
        compare(resource, path + "data[].", element, data.get(0), out);
      }
      return;
    }
    for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      Field field = field(type, key);
      if (field == null) {
        out.add(resource + " +" + path + key);
        continue;
      }
      follow(resource, path + key + ".", field.getGenericType(), json.get(key), out);
    }
  }

  private static void follow(
      String resource, String path, Type declared, JsonNode json, TreeSet<String> out) {
    Class<?> type = raw(declared);
    if (type == null) {
      return;
    }
    if (type == ExpandableField.class) {
      if (json.isObject()) {
        compare(
            resource, path.substring(0, path.length() - 1) + ".", argument(declared, 0), json, out);
      }
      return;
    }
    if (List.class.isAssignableFrom(type)) {
      if (json.isArray() && !json.isEmpty()) {
        Type element = argument(declared, 0);
        Class<?> elementType = raw(element);
        if (elementType == ExpandableField.class) {
          element = argument(element, 0);
        }
        compare(resource, path.substring(0, path.length() - 1) + "[].", element, json.get(0), out);
      }
      return;
    }
    compare(resource, path, declared, json, out);
  }

  /** The field serialized as {@code key} in {@code type} or a superclass, or null. */
  private static @Nullable Field field(Class<?> type, String key) {
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        SerializedName name = field.getAnnotation(SerializedName.class);
        if (name != null && name.value().equals(key)) {
          return field;
        }
      }
    }
    return null;
  }

  private static @Nullable Type collectionElement(Type model) {
    if (model instanceof ParameterizedType p && raw(p) == StripeCollection.class) {
      return p.getActualTypeArguments()[0];
    }
    Class<?> type = raw(model);
    return type == null || type == Object.class
        ? null
        : collectionElement(type.getGenericSuperclass());
  }

  private static @Nullable Type argument(Type type, int index) {
    return type instanceof ParameterizedType p ? p.getActualTypeArguments()[index] : null;
  }

  private static @Nullable Class<?> raw(@Nullable Type type) {
    if (type instanceof Class<?> c) {
      return c;
    }
    if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) {
      return c;
    }
    return null;
  }
}
