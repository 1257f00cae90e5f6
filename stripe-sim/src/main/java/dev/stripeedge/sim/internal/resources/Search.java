package dev.stripeedge.sim.internal.resources;

import dev.stripeedge.sim.internal.engine.Entry;
import dev.stripeedge.sim.internal.engine.ListQuery;
import dev.stripeedge.sim.internal.engine.Page;
import dev.stripeedge.sim.internal.engine.Result;
import dev.stripeedge.sim.internal.engine.Route;
import dev.stripeedge.sim.internal.engine.Router;
import dev.stripeedge.sim.internal.wire.Json;
import dev.stripeedge.sim.internal.wire.StripeError;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /v1/<resource>/search}: a subset of Stripe's query language — clauses {@code
 * field:'value'} (exact), {@code field~'value'} (contains) and {@code metadata['key']:'value'},
 * joined by all-{@code AND} or all-{@code OR}. Pages with an opaque {@code page} cursor.
 */
final class Search {

  private static final Pattern CLAUSE =
      Pattern.compile(
          "\\s*(-)?(metadata\\[['\"]([^'\"]+)['\"]\\]|[a-z_]+)\\s*([:~])\\s*['\"]([^'\"]*)['\"]\\s*");

  private Search() {}

  static void register(Router router, Crud crud, List<String> fields) {
    router.add(
        new Route(
            "GET",
            crud.url() + "/search",
            Route.Kind.SEARCH,
            Route.params(List.of("query", "limit", "page", "expand")),
            null,
            call -> {
              String query = call.params().requiredString("query");
              Predicate<Entry> matches = parse(query, fields);
              Long limit = call.params().integer("limit");
              if (limit != null && (limit < 1 || limit > 100)) {
                throw StripeError.invalid(
                    "parameter_invalid_integer",
                    "Invalid limit: must be between 1 and 100",
                    "limit");
              }
              String after = decodePage(call.params().string("page"));
              ListQuery page =
                  new ListQuery(
                      limit == null ? 10 : limit.intValue(),
                      after,
                      null,
                      Long.MIN_VALUE,
                      Long.MAX_VALUE);
              Page found = call.collection(crud.type()).list(page, matches, crud.objectName());
              String next =
                  found.hasMore()
                      ? encodePage(found.entries().get(found.entries().size() - 1).id())
                      : null;
              return new Result.Search(crud.url() + "/search", found, next);
            }));
  }

  static Predicate<Entry> parse(String query, List<String> fields) {
    String[] orParts = query.split("\\s+OR\\s+");
    String[] andParts = query.split("\\s+AND\\s+");
    if (orParts.length > 1 && andParts.length > 1) {
      throw invalidQuery(query, "combining AND and OR is not supported");
    }
    boolean any = orParts.length > 1;
    List<Predicate<Map<String, Object>>> clauses = new ArrayList<>();
    for (String part : any ? orParts : andParts) {
      clauses.add(clause(part, fields, query));
    }
    return entry -> {
      Map<String, Object> object = Json.readMap(entry.json());
      return any
          ? clauses.stream().anyMatch(c -> c.test(object))
          : clauses.stream().allMatch(c -> c.test(object));
    };
  }

  private static Predicate<Map<String, Object>> clause(
      String text, List<String> fields, String query) {
    Matcher m = CLAUSE.matcher(text);
    if (!m.matches()) {
      throw invalidQuery(query, "could not parse '" + text.strip() + "'");
    }
    boolean negate = m.group(1) != null;
    String metadataKey = m.group(3);
    String field = metadataKey == null ? m.group(2) : "metadata";
    if (metadataKey == null && !fields.contains(field)) {
      throw invalidQuery(query, "field '" + field + "' is not supported; try one of " + fields);
    }
    boolean contains = m.group(4).equals("~");
    String wanted = m.group(5);
    return object -> {
      Object actual =
          metadataKey == null
              ? object.get(field)
              : ((Map<?, ?>) object.getOrDefault("metadata", Map.of())).get(metadataKey);
      String value = actual == null ? null : String.valueOf(actual);
      boolean hit =
          contains
              ? value != null
                  && value.toLowerCase(Locale.ROOT).contains(wanted.toLowerCase(Locale.ROOT))
              : Objects.equals(value, wanted);
      return hit != negate;
    };
  }

  private static String encodePage(String id) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(id.getBytes(StandardCharsets.UTF_8));
  }

  private static String decodePage(String page) {
    if (page == null) {
      return null;
    }
    try {
      return new String(Base64.getUrlDecoder().decode(page), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw StripeError.invalid(null, "Invalid page cursor.", "page");
    }
  }

  private static StripeError invalidQuery(String query, String why) {
    return StripeError.invalid(null, "Invalid search query '" + query + "': " + why + ".", "query");
  }
}
