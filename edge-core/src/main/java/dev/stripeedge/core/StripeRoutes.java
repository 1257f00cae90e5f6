package dev.stripeedge.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
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

  /** The label of every route and method outside the known sets. */
  public static final String OTHER = "other";

  /** Methods labelled as themselves; any other (a client may send anything) is {@code OTHER}. */
  private static final Set<String> KNOWN_METHODS =
      Set.of("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS");

  /**
   * The templates of Stripe's endpoints, classified from {@code stripe-paths.txt}: the bounded set
   * a route label comes from. Classifying the known paths (rather than listing templates) keeps the
   * set in step with {@link #classify} if its grammar changes.
   */
  private static final Set<String> KNOWN_TEMPLATES = knownTemplates();

  private StripeRoutes() {}

  /**
   * The route's template when it is one of Stripe's known endpoints, else {@link #OTHER}.
   *
   * <p>Safe as a metric tag or a map key whatever the path: anyone can send any path, and a raw
   * template of an unknown path ({@code /v1/<anything>}) would grow a series or an entry per path.
   */
  public static String label(Route route) {
    String template = route.template();
    return route.kind() != Route.Kind.UNKNOWN && KNOWN_TEMPLATES.contains(template)
        ? template
        : OTHER;
  }

  /** {@code method} when it is a standard HTTP method, else {@code OTHER} (upper case). */
  public static String methodLabel(String method) {
    return KNOWN_METHODS.contains(method) ? method : OTHER.toUpperCase(Locale.ROOT);
  }

  private static Set<String> knownTemplates() {
    Set<String> templates = new HashSet<>();
    try (InputStream in = StripeRoutes.class.getResourceAsStream("stripe-paths.txt")) {
      if (in == null) {
        throw new IllegalStateException("stripe-paths.txt is missing from the classpath");
      }
      BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        String path = line.strip();
        if (!path.isEmpty() && !path.startsWith("#")) {
          // Any id will do: classify finds ids by their position.
          templates.add(classify(path.replace("{id}", "id")).template());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Set.copyOf(templates);
  }

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
