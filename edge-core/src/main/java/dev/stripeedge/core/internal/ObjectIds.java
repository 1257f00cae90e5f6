package dev.stripeedge.core.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.stripeedge.core.Dependency;
import dev.stripeedge.core.SideEffectRule;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Finds the Stripe objects a response body contains, at any depth. */
public final class ObjectIds {

  private ObjectIds() {}

  /**
   * The string values of every {@code "id"} field in {@code body}: the object itself and every
   * object expanded inside it. References ({@code "customer":"cus_1"}) are not contents and are
   * left out. Custom ids without a prefix (a product {@code gold}) count too. Empty for a body that
   * is not JSON.
   */
  public static Set<String> scan(byte[] body) {
    return collect(body, false);
  }

  /**
   * The keys a cached {@code body} is indexed under: the ids it {@link #scan contains} and, as
   * {@link Dependency.References}, the ids its {@link SideEffectRule#REFERENCE_FIELDS reference
   * fields} name at any depth, so a write that detaches or deletes an object drops the answers that
   * referred to it.
   */
  public static Set<String> dependencies(byte[] body) {
    return collect(body, true);
  }

  private static Set<String> collect(byte[] body, boolean withReferences) {
    Set<String> keys = new LinkedHashSet<>();
    try (JsonParser parser = StripeErrors.JSON.createParser(body)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        if (token != JsonToken.FIELD_NAME) {
          continue;
        }
        String name = parser.currentName();
        boolean id = name.equals("id");
        boolean reference = withReferences && !id && SideEffectRule.REFERENCE_FIELDS.contains(name);
        if ((id || reference) && parser.nextToken() == JsonToken.VALUE_STRING) {
          keys.add(id ? parser.getText() : new Dependency.References(parser.getText()).key());
        }
      }
    } catch (IOException e) {
      // A truncated or non-JSON body: what was found so far is still in it.
    }
    return keys;
  }

  /**
   * The top-level {@code "object"} of {@code body} ({@code customer}, {@code product}…), or null
   * when it has none or is not a JSON object.
   */
  public static @Nullable String typeOf(byte[] body) {
    try (JsonParser parser = StripeErrors.JSON.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if (field.equals("object") && value == JsonToken.VALUE_STRING) {
          return parser.getText();
        }
        parser.skipChildren();
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }
}
