package dev.stripeedge.lambda.example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.model.Customer;
import dev.stripeedge.lambda.EdgeLambda;
import java.util.Map;

/**
 * The example function of docs/lambda.md: an application's own handler whose Stripe calls go
 * through the edge. The client is built once per execution environment, in a static field, so warm
 * invocations reuse its cache and connections; with SnapStart the edge's CRaC hooks do the rest.
 */
public class CustomerLookupFunction implements RequestHandler<Map<String, String>, String> {

  // STRIPE_API_KEY, tables and secrets come from the function's environment (docs/lambda.md).
  private static final StripeClient STRIPE = EdgeLambda.stripe();

  @Override
  public String handleRequest(Map<String, String> input, Context context) {
    try {
      Customer customer = STRIPE.v1().customers().retrieve(input.get("customer"));
      return customer.getEmail() == null ? "" : customer.getEmail();
    } catch (StripeException e) {
      throw new IllegalStateException("Stripe refused: " + e.getMessage(), e);
    }
  }
}
