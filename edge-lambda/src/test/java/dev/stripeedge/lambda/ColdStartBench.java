package dev.stripeedge.lambda;

import com.stripe.StripeClient;
import com.stripe.param.CustomerCreateParams;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.StripeSim;
import dev.stripeedge.store.dynamodb.DynamoDbLocal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Cold start and warm invocations, edge against bare stripe-java, on one machine in one run: each
 * sample a new JVM ({@link ColdStartProbe}) on the deployment jar, the simulator (and DynamoDB
 * Local, for the DynamoDB-tier mode) in this JVM on loopback; the modes take turns, so a busy
 * moment of the machine hits them alike.
 *
 * <p>Run after {@code ./mvnw -pl edge-lambda -am package -Plambda-jar} (and test-compile):
 *
 * <pre>{@code
 * java -cp "$(cat edge-lambda/target/bench.classpath):edge-lambda/target/test-classes:edge-lambda/target/classes" \
 *     dev.stripeedge.lambda.ColdStartBench \
 *     edge-lambda/target/stripe-edge-lambda.jar edge-lambda/target/test-classes 7
 * }</pre>
 */
public final class ColdStartBench {

  private static final String API_KEY = "sk_test_cold_start";
  private static final String JAVA =
      Path.of(System.getProperty("java.home"), "bin", "java").toString();
  // Close to Lambda's managed Java runtime: C1 only (its default), a small heap, serial GC.
  private static final List<String> JVM_FLAGS =
      List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx512m");

  private ColdStartBench() {}

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(args[0]);
    Path probeClasses = Path.of(args[1]);
    int rounds = Integer.parseInt(args[2]);
    System.setProperty("aws.accessKeyId", "local");
    System.setProperty("aws.secretAccessKey", "local");
    try (StripeSim sim = StripeSim.start(SimConfig.forTests().withLimits(SimConfig.Limits.off()));
        DynamoDbLocal dynamodb = DynamoDbLocal.inMemory()) {
      String id =
          StripeClient.builder()
              .setApiKey(API_KEY)
              .setApiBase(sim.baseUrl())
              .build()
              .v1()
              .customers()
              .create(CustomerCreateParams.builder().setName("Cold").build())
              .getId();
      Path tmp = Files.createTempDirectory("cold-start");
      Map<String, String> base = new HashMap<>();
      base.put("STRIPE_API_KEY", API_KEY);
      base.put("STRIPE_EDGE_UPSTREAM", sim.baseUrl());
      base.put("STRIPE_EDGE_CONFIG", writeConfig(tmp));
      Map<String, String> dynamo = new HashMap<>(base);
      dynamo.put("STRIPE_EDGE_DYNAMODB_TABLE", "cold_start_cache");
      dynamo.put("STRIPE_EDGE_DYNAMODB_ENDPOINT", dynamodb.endpoint().toString());
      dynamo.put("STRIPE_EDGE_DYNAMODB_CREATE_TABLES", "true");
      dynamo.put("AWS_REGION", "us-east-1");
      dynamo.put("AWS_ACCESS_KEY_ID", "local");
      dynamo.put("AWS_SECRET_ACCESS_KEY", "local");
      dynamo.put(
          "STRIPE_EDGE_CACHE_KEY_SECRET",
          Base64.getEncoder()
              .encodeToString("cold-start-bench-cache-key-32by!".getBytes(StandardCharsets.UTF_8)));
      createTable(dynamo, tmp);
      // The probes find the table (as in AWS, where the stack made it).
      dynamo.remove("STRIPE_EDGE_DYNAMODB_CREATE_TABLES");
      Map<String, Map<String, String>> modes = new java.util.LinkedHashMap<>();
      modes.put("bare", base);
      modes.put("edge", base);
      modes.put("edge+dynamodb", dynamo);
      // One unmeasured run each: the table is created, the OS caches the jar.
      for (var mode : modes.entrySet()) {
        run(jar, probeClasses, mode.getKey(), mode.getValue(), id, 0);
      }
      Map<String, List<String>> results = new TreeMap<>();
      for (int round = 0; round < rounds; round++) {
        for (var mode : modes.entrySet()) {
          results
              .computeIfAbsent(mode.getKey(), k -> new ArrayList<>())
              .add(run(jar, probeClasses, mode.getKey(), mode.getValue(), id, 2000));
        }
      }
      // Through AWS's runtime interface client: process start → first answer at the Runtime API.
      String ricClasspath = ricClasspath(jar, probeClasses);
      for (int round = 0; round < rounds; round++) {
        for (String mode : List.of("bare", "edge")) {
          Map<String, String> env = new HashMap<>(base);
          env.put("COLD_START_MODE", mode);
          results
              .computeIfAbsent(mode + " via runtime client", k -> new ArrayList<>())
              .add(viaRuntimeClient(ricClasspath, env, id));
        }
      }
      results.forEach(
          (mode, lines) -> {
            System.out.println(mode);
            lines.forEach(line -> System.out.println("  " + line));
          });
    }
  }

  /** The deployment jar, the probe classes, and AWS's runtime client with what it needs. */
  private static String ricClasspath(Path jar, Path probeClasses) {
    StringBuilder cp = new StringBuilder(jar + java.io.File.pathSeparator + probeClasses);
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      String name = Path.of(entry).getFileName().toString();
      if (name.startsWith("aws-lambda-java-runtime-interface-client")
          || name.startsWith("aws-lambda-java-serialization")
          || name.startsWith("utils-lite")) {
        cp.append(java.io.File.pathSeparator).append(entry);
      }
    }
    return cp.toString();
  }

  private static String viaRuntimeClient(String classpath, Map<String, String> env, String id)
      throws Exception {
    try (RuntimeApiServer api = new RuntimeApiServer()) {
      List<String> command = new ArrayList<>();
      command.add(JAVA);
      command.addAll(JVM_FLAGS);
      command.add("-cp");
      command.add(classpath);
      command.add("com.amazonaws.services.lambda.runtime.api.client.AWSLambda");
      command.add(RetrieveFunction.class.getName() + "::handleRequest");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD);
      builder.environment().putAll(env);
      builder.environment().put("AWS_LAMBDA_RUNTIME_API", api.address());
      String input = "{\"customer\":\"" + id + "\"}";
      long start = System.nanoTime();
      Process function = builder.start();
      try {
        String first = api.invoke(input).get(120, java.util.concurrent.TimeUnit.SECONDS);
        long firstMs = (System.nanoTime() - start) / 1_000_000;
        if (!first.contains("Cold")) {
          throw new IllegalStateException("unexpected answer: " + first);
        }
        long warmStart = System.nanoTime();
        int warm = 200;
        for (int i = 0; i < warm; i++) {
          api.invoke(input).get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        long perInvocationUs = (System.nanoTime() - warmStart) / 1000 / warm;
        return "first_ms=" + firstMs + " warm_invocation_mean_us=" + perInvocationUs;
      } finally {
        function.destroyForcibly().waitFor();
      }
    }
  }

  /** The tier's table before any probe: its setup has a 1 s timeout a loaded machine can miss. */
  private static void createTable(Map<String, String> env, Path dir) {
    Map<String, String> local = new HashMap<>(env);
    local.remove("STRIPE_EDGE_CONFIG");
    local.put("STRIPE_EDGE_DYNAMODB_CREATE_TABLES", "true");
    for (int attempt = 1; ; attempt++) {
      try (EdgeLambda edge =
          EdgeLambda.of(
              LambdaSettings.load(local, Map.of("store.path", dir.resolve("setup.db").toString())),
              API_KEY,
              1)) {
        edge.runtime();
        return;
      } catch (IllegalStateException e) {
        if (attempt == 10) {
          throw e;
        }
      }
    }
  }

  /** No store file outside the temporary directory; reconciliation and drift audit off. */
  private static String writeConfig(Path dir) throws IOException {
    Path file = dir.resolve("edge.yaml");
    Files.writeString(file, "store:\n  path: " + dir.resolve("edge.db") + "\n");
    return file.toString();
  }

  private static String run(
      Path jar, Path probeClasses, String mode, Map<String, String> env, String id, int warm)
      throws Exception {
    List<String> command = new ArrayList<>();
    command.add(JAVA);
    command.addAll(JVM_FLAGS);
    command.add("-cp");
    command.add(jar + java.io.File.pathSeparator + probeClasses);
    command.add(ColdStartProbe.class.getName());
    command.add(mode.equals("bare") ? "bare" : "edge");
    command.add(id);
    command.add(String.valueOf(warm));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IllegalStateException(mode + " failed:\n" + output);
    }
    return output.lines().filter(l -> l.startsWith("init_ms=")).findFirst().orElse(output);
  }
}
