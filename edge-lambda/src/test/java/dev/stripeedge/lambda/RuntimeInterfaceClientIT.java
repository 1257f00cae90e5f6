package dev.stripeedge.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.StripeClient;
import com.stripe.param.CustomerCreateParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy handler run by AWS's runtime interface client, in a JVM of its own, against a Runtime
 * API on loopback ({@link RuntimeApiServer}): the handler string, the no-argument constructor, the
 * environment-built edge and the answer's serialization are AWS's, not the test's.
 */
class RuntimeInterfaceClientIT {

  private static final String API_KEY = "sk_test_lambda_ric";

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  @TempDir Path dir;

  private static String event(String path) {
    return AwsEvents.json(
        "http-api-proxy.json",
        Map.of(
            "path", path,
            "query", "",
            "method", "GET",
            "apiKey", API_KEY,
            "length", "0",
            "requestId", UUID.randomUUID().toString(),
            "body", "",
            "base64", "false"));
  }

  @Test
  void theProxyAnswersThroughAwssRuntimeClientAndServesTheSecondReadFromMemory() throws Exception {
    String id =
        StripeClient.builder()
            .setApiKey(API_KEY)
            .setApiBase(sim.baseUrl())
            .build()
            .v1()
            .customers()
            .create(CustomerCreateParams.builder().setName("Via RIC").build())
            .getId();
    Path config = dir.resolve("edge.yaml");
    Files.writeString(config, "store:\n  path: " + dir.resolve("edge.db") + "\n");
    try (RuntimeApiServer api = new RuntimeApiServer()) {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add("com.amazonaws.services.lambda.runtime.api.client.AWSLambda");
      command.add(EdgeProxyHandler.class.getName() + "::handleRequest");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("function.log").toFile());
      builder.environment().put("AWS_LAMBDA_RUNTIME_API", api.address());
      builder.environment().put("AWS_LAMBDA_FUNCTION_NAME", "stripe-edge-test");
      builder.environment().put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512");
      builder.environment().put("STRIPE_EDGE_UPSTREAM", sim.baseUrl());
      builder.environment().put("STRIPE_EDGE_CONFIG", config.toString());
      Process function = builder.start();
      try {
        String first = api.invoke(event("/v1/customers/" + id)).get(60, TimeUnit.SECONDS);
        String second = api.invoke(event("/v1/customers/" + id)).get(30, TimeUnit.SECONDS);

        JsonNode answer = new ObjectMapper().readTree(first);
        assertThat(answer.path("statusCode").asInt()).as(first).isEqualTo(200);
        assertThat(new ObjectMapper().readTree(answer.path("body").asText()).path("name").asText())
            .isEqualTo("Via RIC");
        JsonNode again = new ObjectMapper().readTree(second);
        assertThat(again.path("headers").path("cache-status").asText()).contains("hit");
        assertThat(api.initError()).isNotDone();
      } finally {
        function.destroy();
        if (!function.waitFor(10, TimeUnit.SECONDS)) {
          function.destroyForcibly();
        }
        System.out.println(Files.readString(dir.resolve("function.log")));
      }
    }
  }
}
