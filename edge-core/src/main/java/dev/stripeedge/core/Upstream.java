package dev.stripeedge.core;

import dev.stripeedge.core.internal.JdkUpstream;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Where the edge sends what it cannot answer itself: Stripe, or a simulator.
 *
 * <p>Implementations are thread-safe and never block the caller. Every HTTP answer, error statuses
 * included, completes the future normally; only a missing answer completes it exceptionally, with
 * an {@link UpstreamException}.
 */
@FunctionalInterface
public interface Upstream {

  /** Sends {@code request} once; the answer must arrive within {@code timeout}. */
  CompletableFuture<EdgeResponse> send(EdgeRequest request, Duration timeout);

  /**
   * An upstream over the JDK's HTTP client: pooled connections, HTTP/2 where a TLS upstream offers
   * it (HTTP/1.1 otherwise), certificates verified, hop-by-hop headers dropped both ways.
   *
   * @param baseUri e.g. {@code https://api.stripe.com}; a path prefix is kept
   * @param connectTimeout bound on opening one connection
   */
  static Upstream jdk(URI baseUri, Duration connectTimeout) {
    return new JdkUpstream(baseUri, connectTimeout);
  }
}
