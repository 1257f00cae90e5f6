package dev.stripeedge.lambda;

import com.stripe.StripeClient;
import com.stripe.model.Customer;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * One cold start, in a JVM of its own started by {@link ColdStartBench}: the client built as a
 * handler's static initialiser builds it, then the first invocation (a customer retrieve) answered;
 * the time since the JVM started is printed, then warm invocations' times.
 *
 * <p>Modes: {@code bare} (stripe-java alone, its API base the simulator), {@code edge} ({@link
 * EdgeLambda#fromEnvironment} from the environment the bench sets).
 *
 * <p>Prints {@code init_ms=… first_ms=… warm_p50_us=… warm_p99_us=…}.
 */
public final class ColdStartProbe {

  private ColdStartProbe() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String customer = args[1];
    int warm = Integer.parseInt(args[2]);
    StripeClient stripe =
        mode.equals("bare")
            ? StripeClient.builder()
                .setApiKey(System.getenv("STRIPE_API_KEY"))
                .setApiBase(System.getenv("STRIPE_EDGE_UPSTREAM"))
                .build()
            : EdgeLambda.fromEnvironment(System.getenv()).client();
    long init = ManagementFactory.getRuntimeMXBean().getUptime();
    Customer first = stripe.v1().customers().retrieve(customer);
    long answered = ManagementFactory.getRuntimeMXBean().getUptime();
    if (!first.getId().equals(customer)) {
      throw new IllegalStateException("wrong customer");
    }
    long[] micros = new long[warm];
    for (int i = 0; i < warm; i++) {
      long start = System.nanoTime();
      stripe.v1().customers().retrieve(customer);
      micros[i] = (System.nanoTime() - start) / 1000;
    }
    Arrays.sort(micros);
    System.out.println(
        "init_ms="
            + init
            + " first_ms="
            + answered
            + " warm_p50_us="
            + (warm == 0 ? 0 : micros[warm / 2])
            + " warm_p99_us="
            + (warm == 0 ? 0 : micros[Math.min(warm - 1, warm * 99 / 100)]));
    System.exit(0);
  }
}
