package dev.stripeedge.core.internal;

import dev.stripeedge.core.EdgeRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Finds the API key in a request's {@code Authorization} header (Bearer or Basic, as Stripe). */
public final class ApiKeys {

  private ApiKeys() {}

  /** The API key, or null when the request carries none the edge understands. */
  public static @Nullable String of(EdgeRequest request) {
    String authorization = request.header("authorization");
    if (authorization == null) {
      return null;
    }
    String value = authorization.strip();
    int space = value.indexOf(' ');
    if (space < 0) {
      return null;
    }
    String scheme = value.substring(0, space).toLowerCase(Locale.ROOT);
    String credentials = value.substring(space + 1).strip();
    if (scheme.equals("bearer")) {
      return credentials.isEmpty() ? null : credentials;
    }
    if (scheme.equals("basic")) {
      try {
        String decoded =
            new String(Base64.getDecoder().decode(credentials), StandardCharsets.UTF_8);
        // Stripe takes the key as the user name with an empty password.
        int colon = decoded.indexOf(':');
        String user = colon < 0 ? decoded : decoded.substring(0, colon);
        return user.isEmpty() ? null : user;
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return null;
  }
}
