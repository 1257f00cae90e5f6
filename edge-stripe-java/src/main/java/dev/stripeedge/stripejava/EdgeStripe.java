package dev.stripeedge.stripejava;

import com.stripe.StripeClient;
import com.stripe.StripeClient.StripeClientBuilder;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.Upstream;
import dev.stripeedge.runtime.EdgeRuntime;
import java.net.URI;
import java.time.Duration;

/**
 * The short way to a {@link StripeClient} whose API requests run through the edge, in a service or
 * a Lambda function:
 *
 * <pre>{@code
 * static final EdgePipeline EDGE = EdgeStripe.pipeline();            // straight to api.stripe.com
 * static final StripeClient STRIPE = EdgeStripe.client(apiKey, EDGE);
 * Customer customer = STRIPE.v1().customers().retrieve("cus_123");   // cached, retried safely
 * }</pre>
 *
 * <p>With tiers, a budget or webhook ingestion — everything the sidecar has — build an {@link
 * EdgeRuntime} from the same configuration the sidecar reads, and use {@link #client(String,
 * EdgeRuntime)}:
 *
 * <pre>{@code
 * static final EdgeRuntime EDGE =
 *     EdgeRuntime.start(EdgeSettingsLoader.load(Path.of("edge.yaml"), System.getenv()), meters);
 * static final StripeClient STRIPE = EdgeStripe.client(apiKey, EDGE);
 * }</pre>
 *
 * <p>Build one pipeline per process (in Lambda, in a static field so warm invocations reuse its
 * cache and connections) and share it between all clients and API keys: entries are keyed by a
 * keyed hash of the API key, so one key never receives another's. Stateless and thread-safe.
 */
public final class EdgeStripe {

  /** Stripe's API, the default upstream. */
  public static final URI STRIPE_API = URI.create("https://api.stripe.com");

  /** Bound on opening one upstream connection in {@link #pipeline()}. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private EdgeStripe() {}

  /** A pipeline straight to {@link #STRIPE_API} with edge-core's defaults. */
  public static EdgePipeline pipeline() {
    return pipeline(STRIPE_API);
  }

  /**
   * A pipeline to {@code upstream} (Stripe, a simulator, a sidecar) with edge-core's defaults; for
   * other settings use {@link EdgePipeline#builder} with {@link Upstream#jdk}.
   */
  public static EdgePipeline pipeline(URI upstream) {
    return EdgePipeline.builder(Upstream.jdk(upstream, CONNECT_TIMEOUT)).build();
  }

  /** A client for {@code apiKey} whose API requests run through {@code pipeline}. */
  public static StripeClient client(String apiKey, EdgePipeline pipeline) {
    return clientBuilder(pipeline).setApiKey(apiKey).build();
  }

  /**
   * A client for {@code apiKey} whose API requests run through {@code runtime}'s pipeline: its
   * tiers, budget and webhook-driven freshness, as in the sidecar.
   */
  public static StripeClient client(String apiKey, EdgeRuntime runtime) {
    return client(apiKey, runtime.pipeline());
  }

  /**
   * A client builder with the edge as its HTTP client, for further settings ({@code
   * setStripeAccount}, {@code setApiKey}…). Settings that belong to the pipeline have no effect:
   * {@code setMaxNetworkRetries} and the timeouts (the pipeline owns retries and deadlines), and
   * {@code setApiBase} (the pipeline's upstream decides where requests go).
   */
  public static StripeClientBuilder clientBuilder(EdgePipeline pipeline) {
    return StripeClient.builder().setHttpClient(new EdgeStripeHttpClient(pipeline));
  }
}
