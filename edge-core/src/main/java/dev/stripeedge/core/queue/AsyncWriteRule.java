package dev.stripeedge.core.queue;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.Route;
import dev.stripeedge.core.queue.AsyncWriteConfig.AsyncRoute;
import java.util.Locale;

/**
 * Decides whether a request is queued: a pure function of the request, its route and the config.
 *
 * <p>Only {@code POST} and {@code DELETE} under {@code /v1/} or {@code /v2/} can be asynchronous.
 * {@code Prefer: respond-async} (RFC 7240; any case, among other preferences) asks for it; a {@link
 * AsyncRoute#BY_DEFAULT} route is asynchronous without it; a {@link AsyncRoute#FORBIDDEN} route
 * answers a request asking for it with a 400 and serves one without it synchronously. Thread-safe.
 */
public final class AsyncWriteRule {

  /** The decision: a closed choice. */
  public sealed interface Decision {
    /** Synchronous, as without this feature. */
    record Sync() implements Decision {}

    /** Queue it and answer 202. */
    record Queue() implements Decision {}

    /**
     * Refuse: the request asked for asynchronous handling on a route that forbids it.
     *
     * @param message Stripe-shaped 400's message
     */
    record Forbidden(String message) implements Decision {}
  }

  private static final Decision SYNC = new Decision.Sync();
  private static final Decision QUEUE = new Decision.Queue();

  private final AsyncWriteConfig config;

  public AsyncWriteRule(AsyncWriteConfig config) {
    this.config = config;
  }

  /** What to do with {@code request}, whose path classifies as {@code route}. */
  public Decision decide(EdgeRequest request, Route route) {
    if (!config.enabled()
        || !(request.method().equals("POST") || request.method().equals("DELETE"))
        || route.apiVersion().isEmpty()) {
      return SYNC;
    }
    AsyncRoute mode =
        config.routes().getOrDefault(key(request.method(), route), AsyncRoute.ON_REQUEST);
    boolean asked = prefersAsync(request.header("prefer"));
    return switch (mode) {
      case ON_REQUEST -> asked ? QUEUE : SYNC;
      case BY_DEFAULT -> QUEUE;
      case FORBIDDEN ->
          asked
              ? new Decision.Forbidden(
                  "stripe-edge does not accept "
                      + key(request.method(), route)
                      + " asynchronously: it needs its answer while the customer is present"
                      + " (send it without Prefer: respond-async)")
              : SYNC;
    };
  }

  /** The config key of a route: {@code "POST /v1/customers/{id}"}. */
  public static String key(String method, Route route) {
    return method + " " + route.template();
  }

  /** Whether a {@code Prefer} header (RFC 7240: comma-separated, parameters after ';') asks. */
  static boolean prefersAsync(@org.jspecify.annotations.Nullable String prefer) {
    if (prefer == null) {
      return false;
    }
    for (String item : prefer.split(",")) {
      int semi = item.indexOf(';');
      String token = (semi < 0 ? item : item.substring(0, semi)).strip();
      if (token.toLowerCase(Locale.ROOT).equals("respond-async")) {
        return true;
      }
    }
    return false;
  }
}
