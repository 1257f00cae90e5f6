package dev.stripeedge.lambda;

import com.stripe.StripeClient;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.runtime.EdgeRuntime;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.stripejava.EdgeStripe;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.SecureRandom;
import java.util.Map;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge in a Lambda function: one {@link EdgeRuntime} per execution environment, built from the
 * function's environment variables ({@link LambdaSettings}) on first use, and stripe-java clients
 * whose requests run through it.
 *
 * <pre>{@code
 * public class Handler implements RequestHandler<Order, Receipt> {
 *   private static final StripeClient STRIPE = EdgeLambda.stripe(); // STRIPE_API_KEY
 *   public Receipt handleRequest(Order order, Context context) {
 *     Customer customer = STRIPE.v1().customers().retrieve(order.customer()); // cached
 *     ...
 * }</pre>
 *
 * <p><b>Lazy.</b> Nothing connects until the first request (or webhook, or queued write) needs the
 * runtime; a function that never calls Stripe in an invocation pays nothing for the edge then.
 *
 * <p><b>SnapStart.</b> {@link #defaultInstance()} registers a CRaC {@link Resource}. Before the
 * snapshot it closes the runtime: connections (DynamoDB, Redis, HTTP), budget leases and the
 * memory tier must not be copied into every environment restored from it (they would share leased
 * tokens and serve entries whose invalidations arrived while the snapshot sat). After each restore
 * it re-seeds the random source from fresh entropy, so two environments from one snapshot never
 * draw the same idempotency keys; the next use builds a new runtime, on fresh clocks. The clients
 * handed out survive: they send through whichever runtime is current.
 *
 * <p>Thread-safe.
 */
public final class EdgeLambda implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EdgeLambda.class);

  /** The API key {@link #stripe()} uses. */
  public static final String API_KEY_VARIABLE = "STRIPE_API_KEY";

  private final EdgeSettings settings;
  private final @Nullable String apiKey;
  private final WebhookFanout.@Nullable Target fanout;
  private final ReseedableRandom random;
  private final Resource snapStart = new SnapStartHooks();
  private final EdgePipeline current = new CurrentPipeline(this::runtime);
  // Guarded by this.
  private volatile @Nullable Built built;
  private @Nullable StripeClient client;
  private int generation;

  /** The runtime of one generation (first start, or one restore), and its meters. */
  private record Built(
      EdgeRuntime runtime,
      MeterRegistry meters,
      Webhooks webhooks,
      @Nullable WebhookFanout fanout) {}

  private EdgeLambda(
      EdgeSettings settings,
      @Nullable String apiKey,
      long seed,
      WebhookFanout.@Nullable Target fanout) {
    this.settings = settings;
    this.apiKey = apiKey;
    this.fanout = fanout;
    this.random = new ReseedableRandom(seed);
  }

  /**
   * An edge on {@code settings}; {@code apiKey} is what {@link #client()} uses (null: none). {@code
   * seed} seeds the pipeline's random source until a restore re-seeds it.
   */
  public static EdgeLambda of(EdgeSettings settings, @Nullable String apiKey, long seed) {
    return new EdgeLambda(settings, apiKey, seed, null);
  }

  /**
   * {@link #of(EdgeSettings, String, long)}, handing accepted webhook events to the application
   * through the SQS queue {@code environment} names ({@code STRIPE_EDGE_WEBHOOK_QUEUE_URL}, {@code
   * AWS_REGION}, {@code STRIPE_EDGE_SQS_ENDPOINT}); none when it names none.
   */
  public static EdgeLambda of(
      EdgeSettings settings, @Nullable String apiKey, long seed, Map<String, String> environment) {
    return new EdgeLambda(
        settings, apiKey, seed, WebhookFanout.Target.fromEnvironment(environment));
  }

  /** An edge configured by {@code environment} ({@link LambdaSettings}, {@code STRIPE_API_KEY}). */
  public static EdgeLambda fromEnvironment(Map<String, String> environment) {
    String key = environment.get(API_KEY_VARIABLE);
    return new EdgeLambda(
        LambdaSettings.load(environment),
        key == null || key.isBlank() ? null : key.strip(),
        new SecureRandom().nextLong(),
        WebhookFanout.Target.fromEnvironment(environment));
  }

  /** The execution environment's edge, from {@code System.getenv()}, registered for SnapStart. */
  public static EdgeLambda defaultInstance() {
    return Default.INSTANCE;
  }

  /** {@link #defaultInstance()}'s client for {@code STRIPE_API_KEY}: keep it in a static field. */
  public static StripeClient stripe() {
    return defaultInstance().client();
  }

  /** Initialised on first use (the class-holder idiom: once, thread-safe, no lock after). */
  private static final class Default {
    static final EdgeLambda INSTANCE = create();

    private static EdgeLambda create() {
      EdgeLambda edge = fromEnvironment(System.getenv());
      // The global context holds resources weakly; INSTANCE holds this one strongly.
      Core.getGlobalContext().register(edge.snapStartResource());
      return edge;
    }
  }

  /** The CRaC resource to register (done by {@link #defaultInstance()}). */
  public Resource snapStartResource() {
    return snapStart;
  }

  /** The client for {@code STRIPE_API_KEY}, built once. */
  public synchronized StripeClient client() {
    StripeClient existing = client;
    if (existing != null) {
      return existing;
    }
    String key = apiKey;
    if (key == null) {
      throw new IllegalStateException(
          API_KEY_VARIABLE + " is not set: set it, or call client(apiKey) with the key");
    }
    StripeClient made = client(key);
    client = made;
    return made;
  }

  /**
   * A new client for {@code apiKey} (build it once and keep it): its requests go through this
   * edge's current runtime, across SnapStart restores too.
   */
  public StripeClient client(String apiKey) {
    return EdgeStripe.clientBuilder(current).setApiKey(apiKey).build();
  }

  /** The settings the runtime is built from. */
  public EdgeSettings settings() {
    return settings;
  }

  /** The current runtime, started now if there is none (first use, or first after a restore). */
  public EdgeRuntime runtime() {
    return built().runtime();
  }

  /** The current runtime's meters (a new registry per runtime, so no gauge reads a closed one). */
  public MeterRegistry meters() {
    return built().meters();
  }

  /** The webhook endpoints of the current runtime. */
  Webhooks webhooks() {
    return built().webhooks();
  }

  /** Where accepted webhook events go for the application, or null when nowhere. */
  @Nullable WebhookFanout webhookFanout() {
    return built().fanout();
  }

  /** How many runtimes this edge has started (1 after first use; one more after each restore). */
  public synchronized int generation() {
    return generation;
  }

  private Built built() {
    // Read once without the lock: every Stripe call through the client comes here.
    Built existing = built;
    return existing != null ? existing : build();
  }

  private synchronized Built build() {
    Built existing = built;
    if (existing != null) {
      return existing;
    }
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    EdgeRuntime runtime = EdgeRuntime.start(settings, meters, random);
    WebhookFanout.Target target = fanout;
    Built made;
    try {
      made =
          new Built(
              runtime,
              meters,
              Webhooks.of(settings.webhooks(), runtime, meters),
              target == null ? null : WebhookFanout.open(target));
    } catch (RuntimeException e) {
      runtime.close();
      throw e;
    }
    built = made;
    generation++;
    return made;
  }

  /** Closes the current runtime; the next use starts another. */
  @Override
  public synchronized void close() {
    Built existing = built;
    built = null;
    if (existing != null) {
      WebhookFanout sending = existing.fanout();
      if (sending != null) {
        sending.close();
      }
      existing.runtime().close();
    }
  }

  /** The SnapStart hooks: nothing unique is carried into a snapshot, nothing shared out of it. */
  private final class SnapStartHooks implements Resource {

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
      log.info("snapshot: closing the edge runtime (connections, leases, memory tier)");
      close();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
      // A new SecureRandom seeds itself from the restored environment's own entropy.
      random.reseed(new SecureRandom().nextLong());
      log.info("restored: new random seed; the edge runtime starts on first use");
    }
  }
}
