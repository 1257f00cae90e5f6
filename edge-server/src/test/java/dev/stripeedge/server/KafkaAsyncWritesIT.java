package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stripeedge.core.queue.AsyncWriteConfig;
import dev.stripeedge.queue.kafka.KafkaBroker;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import dev.stripeedge.testkit.Waits;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Asynchronous writes through a real sidecar on the Kafka queue (a real broker in this JVM): a
 * create answered 202 and applied once at the simulator, then updates of that customer applied in
 * acceptance order; what the topic holds is the write without the API key, keyed by object.
 */
class KafkaAsyncWritesIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final ObjectMapper JSON = new ObjectMapper();
  private static KafkaBroker kafka;

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startKafka() {
    kafka = KafkaBroker.start();
  }

  @AfterAll
  static void stopKafka() {
    kafka.close();
  }

  @Test
  void writesTravelThroughKafkaAndAreAppliedOnceInOrder() throws Exception {
    String topic = "writes-" + UUID.randomUUID();
    String key = "sk_test_kafka" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (EdgeServer edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("listeners.admin.port", 0)
                .with("upstream", sim.baseUrl())
                .with("store.path", dir.resolve("edge.db").toString())
                .with(
                    "asyncWrites",
                    AsyncWriteConfig.defaults().toBuilder()
                        .queue(
                            "kafka",
                            Map.of(
                                "bootstrapServers",
                                kafka.bootstrapServers(),
                                "topic",
                                topic,
                                "group",
                                topic,
                                "partitions",
                                "3"))
                        .build()))) {
      assertThat(edge.runtime().asyncWrites().queue().name()).isEqualTo("kafka");

      HttpResponse<String> created = async(edge, key, "/v1/customers", "name=Kafka");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
      JsonNode done = awaitFinished(edge, created, key);
      assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("succeeded");
      String customer = done.at("/result/body/id").asText();
      assertThat(customer).startsWith("cus_");

      // Three updates of one object, accepted in this order, applied in this order.
      List<HttpResponse<String>> updates = new ArrayList<>();
      for (int step = 1; step <= 3; step++) {
        updates.add(async(edge, key, "/v1/customers/" + customer, "metadata[step]=" + step));
        assertThat(updates.getLast().statusCode()).isEqualTo(202);
      }
      for (HttpResponse<String> update : updates) {
        assertThat(awaitFinished(edge, update, key).path("state").asText()).isEqualTo("succeeded");
      }

      JsonNode atStripe =
          JSON.readTree(get(sim.baseUrl() + "/v1/customers/" + customer, key).body());
      assertThat(atStripe.at("/metadata/step").asText()).isEqualTo("3");
      JsonNode list = JSON.readTree(get(sim.baseUrl() + "/v1/customers?limit=10", key).body());
      assertThat(list.path("data")).hasSize(1);
    }

    // The topic, read as anyone with read rights on it could: four records, no API key and no form
    // field in clear (bodies are sealed too); the updates share one record key (so one partition,
    // in order).
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> reader =
        new KafkaConsumer<>(
            Map.of(
                "bootstrap.servers",
                kafka.bootstrapServers(),
                "group.id",
                "reader-" + topic,
                "auto.offset.reset",
                "earliest"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      reader.subscribe(List.of(topic));
      Waits.until(
          "the topic's four records read",
          () -> {
            reader.poll(Duration.ofMillis(200)).forEach(records::add);
            return records.size() >= 4;
          });
    }
    assertThat(records).hasSize(4);
    Set<String> updateKeys = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      String value = new String(record.value(), StandardCharsets.ISO_8859_1);
      assertThat(value).doesNotContain(key).doesNotContain("sk_test_");
      assertThat(value).contains("stripe-edge-sealed: v1.");
      assertThat(value).doesNotContain("metadata").doesNotContain("name=Kafka");
      if (value.contains("/v1/customers/cus_")) {
        updateKeys.add(new String(record.key(), StandardCharsets.UTF_8));
      }
    }
    assertThat(updateKeys).hasSize(1);
  }

  private HttpResponse<String> async(EdgeServer edge, String key, String path, String form)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Prefer", "respond-async")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String url, String key) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode awaitFinished(EdgeServer edge, HttpResponse<String> accepted, String key) {
    String location = accepted.headers().firstValue("Location").orElseThrow();
    JsonNode[] last = new JsonNode[1];
    Waits.until(
        "write " + location + " finished",
        () -> {
          last[0] = JSON.readTree(get("http://127.0.0.1:" + edge.port() + location, key).body());
          String state = last[0].path("state").asText();
          return !state.equals("queued") && !state.equals("in_flight");
        });
    return last[0];
  }
}
