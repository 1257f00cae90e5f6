package dev.stripeedge.sim.internal.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Finds the route for a method and path, literal segments before variables.
 *
 * <p>Built once at start-up, then read-only and thread-safe.
 */
public final class Router {

  private final Map<String, List<Route>> byMethod = new HashMap<>();

  /** A matched route and its path variables. */
  public record Match(Route route, Map<String, String> vars) {}

  public void add(Route route) {
    List<Route> routes = byMethod.computeIfAbsent(route.method(), m -> new ArrayList<>());
    routes.add(route);
    // Literal templates first, so /v1/customers/search wins over /v1/customers/{id}.
    routes.sort((a, b) -> Long.compare(variables(a), variables(b)));
  }

  public @Nullable Match match(String method, String path) {
    List<Route> routes = byMethod.get(method);
    if (routes == null) {
      return null;
    }
    String[] parts = split(path);
    for (Route route : routes) {
      Map<String, String> vars = bind(route.segments(), parts);
      if (vars != null) {
        return new Match(route, vars);
      }
    }
    return null;
  }

  public List<Route> routes() {
    List<Route> all = new ArrayList<>();
    byMethod.values().forEach(all::addAll);
    return all;
  }

  private static @Nullable Map<String, String> bind(String[] template, String[] parts) {
    if (template.length != parts.length) {
      return null;
    }
    Map<String, String> vars = null;
    for (int i = 0; i < template.length; i++) {
      String segment = template[i];
      if (segment.startsWith("{")) {
        if (parts[i].isEmpty()) {
          return null;
        }
        if (vars == null) {
          vars = new HashMap<>(4);
        }
        vars.put(segment.substring(1, segment.length() - 1), parts[i]);
      } else if (!segment.equals(parts[i])) {
        return null;
      }
    }
    return vars == null ? Map.of() : vars;
  }

  private static String[] split(String path) {
    String trimmed = path.startsWith("/") ? path.substring(1) : path;
    if (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    return trimmed.split("/", -1);
  }

  private static long variables(Route route) {
    return route.template().chars().filter(c -> c == '{').count();
  }
}
