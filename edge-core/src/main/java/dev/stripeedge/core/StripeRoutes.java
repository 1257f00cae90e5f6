package dev.stripeedge.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Classifies request paths into {@link Route}s by the shape of Stripe's URLs.
 *
 * <p>A pure function of the path: thread-safe, never blocks, never throws for a well-formed path
 * (anything unrecognised is {@link Route.Kind#UNKNOWN}). Stripe's URLs follow one grammar — {@code
 * /v1/[namespace/]resource[/id[/word[/id2[/word]]]]} — so no per-endpoint table is needed; custom
 * ids without a prefix (a product {@code gold}) are ids by their position.
 */
public final class StripeRoutes {

  /** First path segments that group resources ({@code /v1/checkout/sessions}). */
  private static final Set<String> V1_NAMESPACES =
      Set.of(
          "apps",
          "billing",
          "billing_portal",
          "checkout",
          "climate",
          "entitlements",
          "financial_connections",
          "forwarding",
          "identity",
          "issuing",
          "radar",
          "reporting",
          "sigma",
          "tax",
          "terminal",
          "test_helpers",
          "treasury");

  /** Resources that are one object per account, with no id in the path. */
  private static final Set<String> SINGLETONS = Set.of("account", "balance", "balance_settings");

  /** Words after a collection that are not ids ({@code /v1/invoices/upcoming}). */
  private static final Set<String> COLLECTION_WORDS = Set.of("upcoming", "create_preview");

  private StripeRoutes() {}

  /** The route of {@code path} (no query string). */
  public static Route classify(String path) {
    List<String> segments = segments(path);
    if (segments.size() < 2 || !(segments.get(0).equals("v1") || segments.get(0).equals("v2"))) {
      return new Route(path, "unknown", Route.Kind.UNKNOWN, List.of());
    }
    String version = segments.get(0);
    int index = 1;
    String resource = segments.get(index++);
    StringBuilder template = new StringBuilder("/").append(version).append('/').append(resource);
    // v2 is always namespaced (/v2/core/events); v1 only for the known groups.
    boolean namespaced = version.equals("v2") || V1_NAMESPACES.contains(resource);
    if (namespaced && index < segments.size()) {
      // The template keeps the path's own segments: a '.' sent in one (/v1/checkout.sessions)
      // must not make it another route's template.
      template.append('/').append(segments.get(index));
      resource = resource + "." + segments.get(index++);
    }
    List<String> ids = new ArrayList<>(2);
    int rest = segments.size() - index;
    if (rest == 0) {
      Route.Kind kind =
          SINGLETONS.contains(resource) ? Route.Kind.SINGLETON : Route.Kind.COLLECTION;
      return new Route(template.toString(), resource, kind, ids);
    }
    String next = segments.get(index);
    if (next.equals("search") && rest == 1) {
      return new Route(template + "/search", resource, Route.Kind.SEARCH, ids);
    }
    if (SINGLETONS.contains(resource) || COLLECTION_WORDS.contains(next)) {
      // /v1/balance/history, /v1/invoices/upcoming/lines: words, not ids.
      for (int i = index; i < segments.size(); i++) {
        template.append('/').append(segments.get(i));
      }
      return new Route(template.toString(), resource, Route.Kind.SUB_PATH, ids);
    }
    ids.add(next);
    template.append("/{id}");
    if (rest == 1) {
      return new Route(template.toString(), resource, Route.Kind.OBJECT, ids);
    }
    template.append('/').append(segments.get(index + 1));
    if (rest == 2) {
      return new Route(template.toString(), resource, Route.Kind.SUB_PATH, ids);
    }
    ids.add(segments.get(index + 2));
    template.append("/{id2}");
    for (int i = index + 3; i < segments.size(); i++) {
      template.append('/').append(segments.get(i));
    }
    return new Route(template.toString(), resource, Route.Kind.NESTED_OBJECT, ids);
  }

  /** Non-empty segments between slashes; a scan, since String.split showed on the hit path. */
  private static List<String> segments(String path) {
    List<String> segments = new ArrayList<>(6);
    int start = 0;
    int length = path.length();
    while (start < length) {
      int slash = path.indexOf('/', start);
      int end = slash < 0 ? length : slash;
      if (end > start) {
        segments.add(path.substring(start, end));
      }
      start = end + 1;
    }
    return segments;
  }
}
