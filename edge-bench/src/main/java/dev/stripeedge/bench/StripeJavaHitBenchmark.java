package dev.stripeedge.bench;

import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.model.Customer;
import com.stripe.param.CustomerCreateParams;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.StripeSim;
import dev.stripeedge.stripejava.EdgeStripe;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A customer retrieve through stripe-java in-process: with the edge adapter (a cache hit) vs
 * straight to the simulator (latency off, so the baseline is the cheapest possible upstream).
 *
 * <pre>{@code
 * ./mvnw -q -pl edge-bench -am package -DskipTests
 * java -jar edge-bench/target/benchmarks.jar StripeJavaHitBenchmark
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class StripeJavaHitBenchmark {

  private StripeSim sim;
  private StripeClient direct;
  private StripeClient throughEdge;
  private String customerId;

  @Setup(Level.Trial)
  public void start() throws StripeException {
    sim =
        StripeSim.start(
            SimConfig.defaults()
                .withPort(0)
                .withLatency(SimConfig.Latency.off())
                .withLimits(SimConfig.Limits.off()));
    String key = "sk_test_jmh";
    direct =
        StripeClient.builder()
            .setApiKey(key)
            .setApiBase(sim.baseUrl())
            .setMaxNetworkRetries(0)
            .build();
    EdgePipeline pipeline = EdgeStripe.pipeline(URI.create(sim.baseUrl()));
    throughEdge = EdgeStripe.client(key, pipeline);
    customerId =
        direct
            .v1()
            .customers()
            .create(CustomerCreateParams.builder().setName("JMH").build())
            .getId();
    throughEdge.v1().customers().retrieve(customerId); // fill the cache
  }

  @TearDown(Level.Trial)
  public void stop() {
    sim.close();
  }

  @Benchmark
  public Customer retrieveThroughEdgeAdapter() throws StripeException {
    return throughEdge.v1().customers().retrieve(customerId);
  }

  @Benchmark
  public Customer retrieveStraightToSimulator() throws StripeException {
    return direct.v1().customers().retrieve(customerId);
  }
}
