package dev.stripeedge.core.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;

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
    Set<String> ids = new LinkedHashSet<>();
    try (JsonParser parser = StripeErrors.JSON.createParser(body)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        if (token == JsonToken.FIELD_NAME && parser.currentName().equals("id")) {
          if (parser.nextToken() == JsonToken.VALUE_STRING) {
            ids.add(parser.getText());
          }
        }
      }
    } catch (IOException e) {
      // A truncated or non-JSON body: what was found so far is still contained in it.
    }
    return ids;
  }
}
