package dev.stripeedge.bench;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The build's architecture rules, checked on the main classes of every module (this module's test
 * class path holds them all): time is injected, the core stays free of stores, servers and the
 * simulator, and a module's {@code .internal} packages are its own.
 *
 * <p>A rule that fails names the class and the call or dependency; the fix is to inject a {@code
 * Ticker}/{@code Scheduler}/{@code Clock} (or to use the module's public API), not to widen the
 * allow-lists below.
 */
class ArchitectureTest {

  /** Each module's root package; a class belongs to the module of its longest matching root. */
  private static final Map<String, String> MODULES = new LinkedHashMap<>();

  static {
    MODULES.put("dev.stripeedge.core", "edge-core");
    MODULES.put("dev.stripeedge.sim", "stripe-sim");
    MODULES.put("dev.stripeedge.store.sqlite", "edge-store-sqlite");
    MODULES.put("dev.stripeedge.store.redis", "edge-store-redis");
    MODULES.put("dev.stripeedge.store.dynamodb", "edge-store-dynamodb");
    MODULES.put("dev.stripeedge.queue.sqs", "edge-queue-sqs");
    MODULES.put("dev.stripeedge.queue.kafka", "edge-queue-kafka");
    MODULES.put("dev.stripeedge.runtime", "edge-runtime");
    MODULES.put("dev.stripeedge.server", "edge-server");
    MODULES.put("dev.stripeedge.stripejava", "edge-stripe-java");
    MODULES.put("dev.stripeedge.lambda", "edge-lambda");
    MODULES.put("dev.stripeedge.cli", "edge-cli");
    MODULES.put("dev.stripeedge.testkit", "edge-testkit");
    MODULES.put("dev.stripeedge.bench", "edge-bench");
  }

  /**
   * The classes that are the system clock and scheduler: the only main code that may read the real
   * time or wait in it directly. Everything else is handed a {@code Ticker}, {@code Scheduler} or
   * {@code Clock}, and defaults come from these.
   */
  private static final Set<String> SYSTEM_TIME =
      Set.of(
          // Ticker.system(): the core's monotonic clock.
          "dev.stripeedge.core.Ticker",
          // Scheduler.system(): the core's delays, on the JDK's delayed executor.
          "dev.stripeedge.core.Scheduler",
          // SystemTime.clock(): the core's wall clock.
          "dev.stripeedge.core.SystemTime",
          // The simulator's clock (it depends on no edge module, so it has its own).
          "dev.stripeedge.sim.internal.engine.SimClock");

  /**
   * Packages whose job is real time: the testkit waits for real servers to come up, and the
   * benchmarks drive load and measure it on the wall clock.
   */
  private static final Set<String> REAL_TIME_TOOLS =
      Set.of("dev.stripeedge.testkit", "dev.stripeedge.bench");

  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .withImportOption(ArchitectureTest::mainCodeOnly)
          .importPackages("dev.stripeedge");

  /** Test jars (edge-store-dynamodb's DynamoDB Local launcher) are test code too. */
  private static boolean mainCodeOnly(Location location) {
    return !location.contains("-tests.jar") && !location.contains("/test-classes/");
  }

  private static String module(JavaClass type) {
    String name = type.getName();
    String best = "";
    String module = "";
    for (Map.Entry<String, String> root : MODULES.entrySet()) {
      String prefix = root.getKey();
      if ((name.startsWith(prefix + ".")) && prefix.length() > best.length()) {
        best = prefix;
        module = root.getValue();
      }
    }
    return module;
  }

  private static boolean outermostIn(JavaClass type, Set<String> names) {
    JavaClass outer = type;
    while (outer.getEnclosingClass().isPresent()) {
      outer = outer.getEnclosingClass().get();
    }
    return names.contains(outer.getName());
  }

  private static boolean inPackages(JavaClass type, Set<String> packages) {
    return packages.stream()
        .anyMatch(
            p -> type.getPackageName().equals(p) || type.getPackageName().startsWith(p + "."));
  }

  @Test
  void everyModulesMainCodeIsChecked() {
    Set<String> seen = new TreeSet<>();
    Set<String> unowned = new TreeSet<>();
    for (JavaClass type : MAIN) {
      String module = module(type);
      if (module.isEmpty()) {
        unowned.add(type.getName());
      } else {
        seen.add(module);
      }
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(MODULES.values());
    assertThat(unowned).as("classes under no module's root package").isEmpty();
  }

  /** A call of a method that reads or waits in real time. */
  private static final DescribedPredicate<JavaCall<?>> REAL_TIME =
      new DescribedPredicate<>(
          "Thread.sleep, a java.time now(), System.currentTimeMillis(), Clock.systemUTC() (or"
              + " another system clock) or CompletableFuture.delayedExecutor") {
        @Override
        public boolean test(JavaCall<?> call) {
          String owner = call.getTargetOwner().getName();
          String method = call.getName();
          int arguments = call.getTarget().getRawParameterTypes().size();
          if (owner.startsWith("java.time.") && method.equals("now") && arguments == 0) {
            return true; // Instant.now(), LocalDateTime.now(), ...
          }
          return switch (owner) {
            case "java.lang.Thread" -> method.equals("sleep");
            case "java.lang.System" -> method.equals("currentTimeMillis");
            case "java.time.Clock" -> method.startsWith("system");
            case "java.time.InstantSource" -> method.equals("system");
            case "java.util.concurrent.CompletableFuture" -> method.equals("delayedExecutor");
            default -> false;
          };
        }
      };

  @Test
  void timeIsInjectedOutsideTheSystemClockAndScheduler() {
    ArchRule rule =
        noClasses()
            .that(
                DescribedPredicate.describe(
                    "are not the system clock or scheduler, or real-time tools",
                    (JavaClass type) ->
                        !outermostIn(type, SYSTEM_TIME) && !inPackages(type, REAL_TIME_TOOLS)))
            .should()
            .callMethodWhere(REAL_TIME)
            .because("time is injected (Ticker, Scheduler, Clock): tests move fake time");
    rule.check(MAIN);
  }

  @Test
  void theCoreImportsNoStoreServerRuntimeSimulatorOrClient() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAPackage("dev.stripeedge.core..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "dev.stripeedge.store..",
                "dev.stripeedge.queue..",
                "dev.stripeedge.server..",
                "dev.stripeedge.runtime..",
                "dev.stripeedge.sim..",
                "dev.stripeedge.stripejava..",
                "dev.stripeedge.lambda..",
                "dev.stripeedge.cli..",
                "dev.stripeedge.testkit..",
                "dev.stripeedge.bench..",
                "io.lettuce..",
                "redis.clients..",
                "software.amazon..",
                "com.amazonaws..",
                "io.vertx..",
                "org.sqlite..",
                "com.almworks.sqlite4java..")
            .because("the core is the policy every host shares; backends plug in through its SPIs");
    rule.check(MAIN);
  }

  @Test
  void aModulesInternalPackagesAreItsOwn() {
    ArchRule rule =
        noClasses()
            .that(
                DescribedPredicate.describe(
                    "are outside edge-bench",
                    (JavaClass type) -> !module(type).equals("edge-bench")))
            .should(
                new ArchCondition<JavaClass>("use another module's .internal package") {
                  @Override
                  public void check(JavaClass type, ConditionEvents events) {
                    for (Dependency dependency : type.getDirectDependenciesFromSelf()) {
                      JavaClass target = dependency.getTargetClass().getBaseComponentType();
                      boolean internal =
                          target.getPackageName().contains(".internal")
                              && target.getPackageName().startsWith("dev.stripeedge.");
                      if (internal && !module(target).equals(module(type))) {
                        events.add(
                            SimpleConditionEvent.satisfied(
                                dependency, dependency.getDescription()));
                      }
                    }
                  }
                })
            .because(
                "a module's .internal package is not its API; only the benchmarks may reach in");
    rule.check(MAIN);
  }
}
