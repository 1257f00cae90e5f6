package dev.stripeedge.core;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where a path points in Stripe's API: its template, resource and the object ids it names.
 *
 * <p>The template replaces ids with {@code {id}}, {@code {id2}}…, so it is safe as a metric tag and
 * groups every object of one endpoint the way Stripe's per-endpoint rate limits do.
 *
 * @param template e.g. {@code /v1/customers/{id}}
 * @param resource e.g. {@code customers}; namespaced resources join with a dot ({@code
 *     checkout.sessions}); {@code unknown} for paths outside the API
 * @param kind the shape of the path
 * @param pathIds the object ids in the path, outermost first
 */
public record Route(String template, String resource, Kind kind, List<String> pathIds) {

  public Route {
    pathIds = List.copyOf(pathIds);
  }

  /** The shape of a path, independent of the method. */
  public enum Kind {
    /** {@code /v1/customers}: list (GET) or create (POST). */
    COLLECTION,
    /** {@code /v1/customers/search}. */
    SEARCH,
    /** {@code /v1/customers/{id}}: retrieve, update, delete. */
    OBJECT,
    /** {@code /v1/balance}, {@code /v1/account}: one object without an id. */
    SINGLETON,
    /**
     * {@code /v1/customers/{id}/sources} or {@code /v1/payment_intents/{id}/confirm}: a nested list
     * (GET) or an action or nested create (POST).
     */
    SUB_PATH,
    /** {@code /v1/customers/{id}/sources/{id2}} (and actions below it). */
    NESTED_OBJECT,
    /** Anything else, including paths outside {@code /v1} and {@code /v2}. */
    UNKNOWN
  }

  /** The innermost object id in the path ({@code id2} of a nested object), or null. */
  public @Nullable String objectId() {
    return pathIds.isEmpty() ? null : pathIds.get(pathIds.size() - 1);
  }

  /** {@code v1}, {@code v2}, or empty outside the API. */
  public String apiVersion() {
    if (template.startsWith("/v1/") || template.equals("/v1")) {
      return "v1";
    }
    if (template.startsWith("/v2/") || template.equals("/v2")) {
      return "v2";
    }
    return "";
  }

  /** The collection's path ({@code /v1/customers}), the root a create or list works on. */
  public String collectionPath() {
    int brace = template.indexOf("/{");
    String base = brace < 0 ? template : template.substring(0, brace);
    return base.endsWith("/search") ? base.substring(0, base.length() - 7) : base;
  }
}
