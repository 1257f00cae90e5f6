package dev.stripeedge.sim.internal.engine;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One API operation: method, path template, accepted parameters and the handler.
 *
 * @param method HTTP method
 * @param template path such as {@code /v1/customers/{id}}
 * @param kind what sort of work it is: picks the latency class and the search limiter
 * @param params top-level parameters accepted ({@code expand} always is)
 * @param lockVar path variable naming the object a write locks, or null
 * @param handler the operation itself
 */
public record Route(
    String method,
    String template,
    Kind kind,
    Set<String> params,
    @Nullable String lockVar,
    Handler handler) {

  /** The endpoint name limits count by: {@code "POST /v1/customers/{id}"}. */
  public String endpoint() {
    return method + " " + template;
  }

  String[] segments() {
    return template.substring(1).split("/");
  }

  /** What sort of work an operation is. */
  public enum Kind {
    READ,
    LIST,
    SEARCH,
    WRITE,
    /** Card-network work: confirms, charges, captures, subscriptions. */
    PAYMENT
  }

  /** Builds the accepted-parameter set, adding {@code expand}. */
  public static Set<String> params(List<String> names) {
    Set<String> all = new HashSet<>(names);
    all.add("expand");
    return Set.copyOf(all);
  }
}
