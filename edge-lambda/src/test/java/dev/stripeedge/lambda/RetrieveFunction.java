package dev.stripeedge.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import java.util.Map;

/**
 * The function {@link ColdStartBench} times through AWS's runtime interface client: one customer
 * retrieve per invocation, with bare stripe-java ({@code COLD_START_MODE=bare}, its API base the
 * simulator) or through the edge ({@link EdgeLambda#stripe()}), the client built in the static
 * initialiser as functions do.
 */
public class RetrieveFunction implements RequestHandler<Map<String, String>, String> {

  private static final StripeClient STRIPE =
      "bare".equals(System.getenv("COLD_START_MODE"))
          ? StripeClient.builder()
              .setApiKey(System.getenv("STRIPE_API_KEY"))
              .setApiBase(System.getenv("STRIPE_EDGE_UPSTREAM"))
              .build()
          : EdgeLambda.stripe();

  @Override
  public String handleRequest(Map<String, String> input, Context context) {
    try {
      return STRIPE.v1().customers().retrieve(input.get("customer")).getName();
    } catch (StripeException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }
}
