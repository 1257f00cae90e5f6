package dev.stripeedge.sim.junit;

import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.StripeSim;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts a simulator on a free loopback port for a test class and injects it as a {@link StripeSim}
 * parameter.
 *
 * <pre>{@code
 * @RegisterExtension
 * static StripeSimExtension sim = new StripeSimExtension(SimConfig.forTests());
 * ...
 * StripeClient client = StripeClient.builder().setApiKey("sk_test_x").setApiBase(sim.baseUrl()).build();
 * }</pre>
 *
 * <p>Use with {@code @RegisterExtension} on a static field, or {@code @ExtendWith} for defaults
 * (latency off, Stripe's limits on, free port).
 */
public final class StripeSimExtension
    implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

  private final SimConfig config;
  private final boolean manualClock;
  private StripeSim sim;

  public StripeSimExtension() {
    this(SimConfig.forTests());
  }

  public StripeSimExtension(SimConfig config) {
    this(config, false);
  }

  private StripeSimExtension(SimConfig config, boolean manualClock) {
    this.config = config.withPort(0);
    this.manualClock = manualClock;
  }

  /** A simulator whose clock only moves when the test advances it. */
  public static StripeSimExtension withManualClock(SimConfig config) {
    return new StripeSimExtension(config, true);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    sim =
        manualClock
            ? StripeSim.startWithManualClock(config, 1_767_225_600_000L)
            : StripeSim.start(config);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (sim != null) {
      sim.close();
      sim = null;
    }
  }

  /** The running simulator. */
  public StripeSim sim() {
    if (sim == null) {
      throw new IllegalStateException("the simulator runs only while the test class runs");
    }
    return sim;
  }

  public String baseUrl() {
    return sim().baseUrl();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == StripeSim.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return sim();
  }
}
