package dev.stripeedge.bench.consistency;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The differential check of issue 17: random, seeded sequences of Stripe flows — payments with
 * manual and automatic capture, captures, cancels, refunds by PaymentIntent and by charge, payment
 * methods attached, made default and detached, subscriptions started and cancelled, customers
 * updated and deleted — interleaved across several customers and sent through the edge. After every
 * write, every object the flows have touched (and the lists that show them) is read through the
 * edge and straight from the upstream; the two must read the same. The upstream is the reference: a
 * difference is a stale read.
 *
 * <p>This class is the flows; {@link ReadComparison} the reads compared after each write. Not
 * thread-safe: one check runs one sequence.
 */
public final class ConsistencyCheck {

  /**
   * What a run found.
   *
   * @param writes writes sent through the edge
   * @param writesApplied of those, the ones Stripe answered with a 2xx
   * @param reads reads compared after writes
   * @param hits of those, the ones the edge answered from its cache: the reads that could be stale
   * @param stale reads where the edge answered differently from the upstream
   * @param failures the first few differences, each with the sequence that led to it
   */
  public record Report(
      int writes, int writesApplied, int reads, int hits, int stale, List<String> failures) {}

  /** The resources whose lists the check reads: the edge must cache them for the check to bite. */
  public static final List<String> LISTED =
      List.of(
          "payment_methods", "subscriptions", "invoices", "charges", "payment_intents", "refunds");

  private static final int MAX_LIVE_CUSTOMERS = 4;

  private final String edgeBase;
  private final SplittableRandom random;
  // The reads after each write, through the edge and from the upstream, and what they found.
  private final ReadComparison comparison;

  // What the flows have touched, as paths to read back (retrieves and lists).
  private final Set<String> reads = new LinkedHashSet<>();
  private final List<String> customers = new ArrayList<>();
  // Attached payment methods and their customers, in the order they were attached.
  private final Map<String, String> attachedMethods = new LinkedHashMap<>();
  private final List<String> uncaptured = new ArrayList<>();
  private final List<String> succeeded = new ArrayList<>();
  private final List<String> charges = new ArrayList<>();
  private final List<String> subscriptions = new ArrayList<>();
  private final List<String> sequence = new ArrayList<>();
  private String price = "";
  private int writes;
  private int applied;

  /**
   * @param edgeBase the edge, e.g. {@code http://127.0.0.1:8080}
   * @param upstreamBase what the edge forwards to (the simulator)
   * @param apiKey one account's key, used for both
   * @param seed the sequence's seed: the same seed replays the same flows
   */
  public ConsistencyCheck(String edgeBase, String upstreamBase, String apiKey, long seed) {
    this.edgeBase = edgeBase;
    this.random = new SplittableRandom(seed);
    this.comparison = new ReadComparison(edgeBase, upstreamBase, apiKey);
  }

  /** Runs {@code writeBudget} random writes (after a short set-up) and compares after each. */
  public Report run(int writeBudget) throws IOException, InterruptedException {
    String product = id(write("POST", "/v1/products", "name=Gold"));
    price =
        id(
            write(
                "POST",
                "/v1/prices",
                "product=" + product + "&unit_amount=1500&currency=usd&recurring[interval]=month"));
    while (writes < writeBudget) {
      step();
    }
    return comparison.report(writes, applied);
  }

  /** One write, chosen among those the current state allows, then the comparison. */
  private void step() throws IOException, InterruptedException {
    List<IoStep> choices = new ArrayList<>();
    if (customers.size() < MAX_LIVE_CUSTOMERS) {
      choices.add(this::createCustomer);
    }
    if (!customers.isEmpty()) {
      choices.add(this::updateCustomer);
      choices.add(this::attachMethod);
      choices.add(this::payManually);
      choices.add(this::payAutomatically);
      choices.add(this::subscribe);
      if (customers.size() > 1 && random.nextInt(4) == 0) {
        choices.add(this::deleteCustomer);
      }
    }
    if (!attachedMethods.isEmpty()) {
      choices.add(this::makeDefault);
      choices.add(this::detachMethod);
    }
    if (!uncaptured.isEmpty()) {
      choices.add(this::capture);
      choices.add(this::cancelPayment);
    }
    if (!succeeded.isEmpty()) {
      choices.add(this::refundByPaymentIntent);
    }
    if (!charges.isEmpty()) {
      choices.add(this::refundByCharge);
    }
    if (!subscriptions.isEmpty()) {
      choices.add(this::cancelSubscription);
      choices.add(this::updateSubscription);
    }
    choices.get(random.nextInt(choices.size())).run();
    comparison.compare(reads, writes, sequence);
  }

  private void createCustomer() throws IOException, InterruptedException {
    JsonObject customer =
        write("POST", "/v1/customers", "email=c" + random.nextInt(100_000) + "%40example.com");
    String id = id(customer);
    customers.add(id);
    reads.add("/v1/customers/" + id);
    reads.add("/v1/payment_methods?customer=" + id + "&type=card");
    reads.add("/v1/subscriptions?customer=" + id + "&status=all");
    reads.add("/v1/invoices?customer=" + id);
    reads.add("/v1/charges?customer=" + id);
    reads.add("/v1/payment_intents?customer=" + id);
  }

  private void updateCustomer() throws IOException, InterruptedException {
    write("POST", "/v1/customers/" + pick(customers), "metadata[step]=" + writes);
  }

  private void attachMethod() throws IOException, InterruptedException {
    String customer = pick(customers);
    JsonObject pm =
        write("POST", "/v1/payment_methods/pm_card_visa/attach", "customer=" + customer);
    if (pm.has("id")) {
      attachedMethods.put(id(pm), customer);
      reads.add("/v1/payment_methods/" + id(pm));
    }
  }

  private void makeDefault() throws IOException, InterruptedException {
    String pm = pick(List.copyOf(attachedMethods.keySet()));
    write(
        "POST",
        "/v1/customers/" + attachedMethods.get(pm),
        "invoice_settings[default_payment_method]=" + pm);
  }

  private void detachMethod() throws IOException, InterruptedException {
    String pm = pick(List.copyOf(attachedMethods.keySet()));
    write("POST", "/v1/payment_methods/" + pm + "/detach", "");
    attachedMethods.remove(pm);
  }

  private void payManually() throws IOException, InterruptedException {
    JsonObject intent = pay("manual");
    if ("requires_capture".equals(string(intent, "status"))) {
      uncaptured.add(id(intent));
    }
  }

  private void payAutomatically() throws IOException, InterruptedException {
    JsonObject intent = pay("automatic");
    if ("succeeded".equals(string(intent, "status"))) {
      succeeded.add(id(intent));
    }
  }

  private JsonObject pay(String captureMethod) throws IOException, InterruptedException {
    JsonObject intent =
        write(
            "POST",
            "/v1/payment_intents",
            "amount="
                + (1000 + random.nextInt(9000))
                + "&currency=usd&confirm=true&payment_method=pm_card_visa&payment_method_types[]=card"
                + "&capture_method="
                + captureMethod
                + "&customer="
                + pick(customers));
    if (intent.has("id")) {
      String id = id(intent);
      reads.add("/v1/payment_intents/" + id);
      reads.add("/v1/payment_intents/" + id + "?expand[]=latest_charge");
      reads.add("/v1/charges?payment_intent=" + id);
      reads.add("/v1/refunds?payment_intent=" + id);
      String charge = string(intent, "latest_charge");
      if (charge != null) {
        charges.add(charge);
        reads.add("/v1/charges/" + charge);
        reads.add("/v1/refunds?charge=" + charge);
      }
    }
    return intent;
  }

  private void capture() throws IOException, InterruptedException {
    String intent = pick(uncaptured);
    JsonObject captured = write("POST", "/v1/payment_intents/" + intent + "/capture", "");
    uncaptured.remove(intent);
    if ("succeeded".equals(string(captured, "status"))) {
      succeeded.add(intent);
    }
  }

  private void cancelPayment() throws IOException, InterruptedException {
    String intent = pick(uncaptured);
    write("POST", "/v1/payment_intents/" + intent + "/cancel", "");
    uncaptured.remove(intent);
  }

  private void refundByPaymentIntent() throws IOException, InterruptedException {
    refunded(
        write(
            "POST",
            "/v1/refunds",
            "payment_intent=" + pick(succeeded) + "&amount=" + (100 + random.nextInt(400))));
  }

  private void refundByCharge() throws IOException, InterruptedException {
    refunded(
        write(
            "POST",
            "/v1/refunds",
            "charge=" + pick(charges) + "&amount=" + (100 + random.nextInt(400))));
  }

  private void refunded(JsonObject refund) {
    if (refund.has("id")) {
      reads.add("/v1/refunds/" + id(refund));
    }
  }

  private void subscribe() throws IOException, InterruptedException {
    JsonObject subscription =
        write(
            "POST",
            "/v1/subscriptions",
            "customer=" + pick(customers) + "&items[0][price]=" + price);
    if (subscription.has("id")) {
      String id = id(subscription);
      subscriptions.add(id);
      reads.add("/v1/subscriptions/" + id);
      reads.add("/v1/invoices?subscription=" + id);
      String invoice = string(subscription, "latest_invoice");
      if (invoice != null) {
        reads.add("/v1/invoices/" + invoice);
      }
    }
  }

  private void updateSubscription() throws IOException, InterruptedException {
    write("POST", "/v1/subscriptions/" + pick(subscriptions), "metadata[step]=" + writes);
  }

  private void cancelSubscription() throws IOException, InterruptedException {
    String subscription = pick(subscriptions);
    write("DELETE", "/v1/subscriptions/" + subscription, "");
    subscriptions.remove(subscription);
  }

  private void deleteCustomer() throws IOException, InterruptedException {
    String customer = pick(customers);
    write("DELETE", "/v1/customers/" + customer, "");
    customers.remove(customer);
    attachedMethods.values().removeIf(customer::equals);
  }

  private JsonObject write(String method, String path, String form)
      throws IOException, InterruptedException {
    writes++;
    sequence.add(method + " " + path + (form.isEmpty() ? "" : " " + form));
    HttpResponse<String> response = comparison.send(edgeBase, method, path, form);
    if (response.statusCode() < 300) {
      applied++;
    }
    try {
      JsonElement body = JsonParser.parseString(response.body());
      return body.isJsonObject() ? body.getAsJsonObject() : new JsonObject();
    } catch (JsonSyntaxException e) {
      return new JsonObject();
    }
  }

  private <T> T pick(List<T> from) {
    return from.get(random.nextInt(from.size()));
  }

  private static String id(JsonObject object) {
    String id = string(object, "id");
    if (id == null) {
      throw new IllegalStateException("the upstream refused a set-up write: " + object);
    }
    return id;
  }

  private static @org.jspecify.annotations.Nullable String string(JsonObject object, String field) {
    JsonElement value = object.get(field);
    if (value == null || !value.isJsonPrimitive()) {
      return null;
    }
    return value.getAsString();
  }

  @FunctionalInterface
  private interface IoStep {
    void run() throws IOException, InterruptedException;
  }
}
