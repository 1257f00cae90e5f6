package dev.stripeedge.runtime;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.stripeedge.core.Secret;
import dev.stripeedge.core.spi.Backend;
import dev.stripeedge.core.spi.EventStoreBackend;
import dev.stripeedge.core.spi.SharedBudgetBackend;
import dev.stripeedge.core.spi.TierBackend;
import java.io.IOException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * How settings are written: durations as {@code 250ms}, {@code 30s}, {@code 5m}, {@code 24h} (or
 * ISO-8601), secrets as plain strings (only in the loader's own trees, never printed), and the
 * store backends' sections bound to the settings type each backend names.
 */
final class SettingsJson {

  /** The store modules this project ships, for the error when one is configured but missing. */
  private static final Map<String, String> MODULES =
      Map.of(
          "redis", "dev.stripeedge:edge-store-redis",
          "dynamodb", "dev.stripeedge:edge-store-dynamodb",
          "sqlite", "dev.stripeedge:edge-store-sqlite");

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private SettingsJson() {}

  /** The tier backends on the class path, fastest first. */
  static List<TierBackend<?>> tierBackends() {
    List<TierBackend<?>> found = new ArrayList<>();
    ServiceLoader.load(TierBackend.class, SettingsJson.class.getClassLoader())
        .forEach(backend -> found.add(backend));
    found.sort((a, b) -> Integer.compare(a.rank(), b.rank()));
    return found;
  }

  /** The shared-budget backends on the class path. */
  static List<SharedBudgetBackend<?>> sharedBudgetBackends() {
    List<SharedBudgetBackend<?>> found = new ArrayList<>();
    ServiceLoader.load(SharedBudgetBackend.class, SettingsJson.class.getClassLoader())
        .forEach(backend -> found.add(backend));
    return found;
  }

  /** The event store backends on the class path. */
  static List<EventStoreBackend<?>> eventStoreBackends() {
    List<EventStoreBackend<?>> found = new ArrayList<>();
    ServiceLoader.load(EventStoreBackend.class, SettingsJson.class.getClassLoader())
        .forEach(backend -> found.add(backend));
    return found;
  }

  /** What to add to the class path for the backend called {@code name}. */
  static String moduleFor(String name) {
    return MODULES.getOrDefault(name, "a module providing it");
  }

  static ObjectMapper mapper() {
    SimpleModule module = new SimpleModule("stripe-edge-settings");
    module.addSerializer(Duration.class, new DurationSerializer());
    module.addDeserializer(Duration.class, new DurationDeserializer());
    module.addSerializer(Secret.class, new SecretSerializer());
    module.addDeserializer(Secret.class, new SecretDeserializer());
    module.addSerializer(EdgeSettings.Tiers.class, new TiersSerializer());
    module.addDeserializer(EdgeSettings.Tiers.class, new TiersDeserializer());
    module.addSerializer(EdgeSettings.Store.class, new StoreSerializer());
    module.addDeserializer(EdgeSettings.Store.class, new StoreDeserializer());
    module.addSerializer(Backends.class, new BackendsSerializer());
    // Budget.shared is the only place Backends stands alone; tiers bind theirs in Tiers.
    module.addDeserializer(Backends.class, new SharedBudgetsDeserializer());
    return new ObjectMapper(new YAMLFactory())
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .registerModule(module);
  }

  /** {@code 250ms}, {@code 30s}, {@code 5m}, {@code 24h}, {@code 1d}, or ISO-8601 {@code PT30S}. */
  static Duration parseDuration(String text) {
    String value = text.strip().toLowerCase(Locale.ROOT);
    Matcher matcher = DURATION.matcher(value);
    if (matcher.matches()) {
      long amount = Long.parseLong(matcher.group(1));
      return switch (matcher.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      };
    }
    try {
      return Duration.parse(text.strip());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "not a duration: '" + text + "' (write it with a unit: 250ms, 30s, 5m, 24h)");
    }
  }

  /** The shortest exact form: {@code 90s}, {@code 5m}, {@code 250ms}. */
  static String formatDuration(Duration duration) {
    long millis = duration.toMillis();
    if (millis % 3_600_000 == 0 && millis != 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0 && millis != 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1000 == 0) {
      return millis / 1000 + "s";
    }
    return millis + "ms";
  }

  private static final class DurationSerializer extends JsonSerializer<Duration> {
    @Override
    public void serialize(Duration value, JsonGenerator out, SerializerProvider provider)
        throws IOException {
      out.writeString(formatDuration(value));
    }
  }

  private static final class DurationDeserializer extends JsonDeserializer<Duration> {
    @Override
    public Duration deserialize(JsonParser in, DeserializationContext context) throws IOException {
      if (in.currentToken() != JsonToken.VALUE_STRING) {
        throw new IllegalArgumentException(
            in.getParsingContext().getCurrentName()
                + ": a duration needs a unit (250ms, 30s, 5m, 24h), not "
                + in.getText());
      }
      return parseDuration(in.getText());
    }
  }

  private static final class SecretSerializer extends JsonSerializer<Secret> {
    @Override
    public void serialize(Secret value, JsonGenerator out, SerializerProvider provider)
        throws IOException {
      // Only into the loader's own trees, which are bound again and never printed.
      out.writeString(value.reveal());
    }
  }

  private static final class SecretDeserializer extends JsonDeserializer<Secret> {
    @Override
    public Secret deserialize(JsonParser in, DeserializationContext context) throws IOException {
      if (!in.currentToken().isScalarValue()) {
        throw new IllegalArgumentException(
            in.getParsingContext().getCurrentName() + ": a secret is a string");
      }
      return Secret.of(in.getText());
    }
  }

  private static final class BackendsSerializer extends JsonSerializer<Backends> {
    @Override
    public void serialize(Backends value, JsonGenerator out, SerializerProvider provider)
        throws IOException {
      out.writeStartObject();
      for (Backends.Configured<?> configured : value.configured()) {
        provider.defaultSerializeField(configured.name(), configured.settings(), out);
      }
      out.writeEndObject();
    }
  }

  private static final class TiersSerializer extends JsonSerializer<EdgeSettings.Tiers> {
    @Override
    public void serialize(EdgeSettings.Tiers value, JsonGenerator out, SerializerProvider provider)
        throws IOException {
      out.writeStartObject();
      for (Backends.Configured<?> configured : value.backends().configured()) {
        provider.defaultSerializeField(configured.name(), configured.settings(), out);
      }
      provider.defaultSerializeField("encryption", value.encryption(), out);
      out.writeEndObject();
    }
  }

  private static final class TiersDeserializer extends JsonDeserializer<EdgeSettings.Tiers> {
    @Override
    public EdgeSettings.Tiers deserialize(JsonParser in, DeserializationContext context)
        throws IOException {
      ObjectNode node = object(in, "tiers");
      JsonNode encryption = node.remove("encryption");
      if (encryption == null) {
        throw new IllegalArgumentException("tiers.encryption is missing");
      }
      return new EdgeSettings.Tiers(
          bind(node, tierBackends(), "tiers", context),
          context.readTreeAsValue(encryption, EdgeSettings.Encryption.class));
    }
  }

  private static final class StoreSerializer extends JsonSerializer<EdgeSettings.Store> {
    @Override
    public void serialize(EdgeSettings.Store value, JsonGenerator out, SerializerProvider provider)
        throws IOException {
      out.writeStartObject();
      out.writeStringField("backend", value.backend());
      out.writeStringField("path", value.path());
      for (Backends.Configured<?> configured : value.backends().configured()) {
        // A backend without settings of its own (sqlite) has no section.
        if (configured.backend().settingsType().getRecordComponents().length > 0) {
          provider.defaultSerializeField(configured.name(), configured.settings(), out);
        }
      }
      out.writeEndObject();
    }
  }

  private static final class StoreDeserializer extends JsonDeserializer<EdgeSettings.Store> {
    @Override
    public EdgeSettings.Store deserialize(JsonParser in, DeserializationContext context)
        throws IOException {
      ObjectNode node = object(in, "store");
      JsonNode backend = node.remove("backend");
      JsonNode path = node.remove("path");
      if (backend == null || !backend.isTextual() || path == null || !path.isTextual()) {
        throw new IllegalArgumentException("store needs backend and path (strings)");
      }
      return new EdgeSettings.Store(
          backend.asText(), path.asText(), bind(node, eventStoreBackends(), "store", context));
    }
  }

  private static final class SharedBudgetsDeserializer extends JsonDeserializer<Backends> {
    @Override
    public Backends deserialize(JsonParser in, DeserializationContext context) throws IOException {
      return bind(object(in, "budget.shared"), sharedBudgetBackends(), "budget.shared", context);
    }
  }

  private static ObjectNode object(JsonParser in, String path) throws IOException {
    JsonNode node = in.readValueAsTree();
    if (!(node instanceof ObjectNode object)) {
      throw new IllegalArgumentException(path + " must be a mapping");
    }
    return object.deepCopy();
  }

  /**
   * Each section of {@code node} bound to the settings of the backend of that name; a backend the
   * node does not name gets its defaults. A name no backend on the class path has is an error that
   * says which module to add, unless the section switches it off.
   */
  private static Backends bind(
      ObjectNode node,
      List<? extends Backend<?>> backends,
      String path,
      DeserializationContext context)
      throws IOException {
    List<Backends.Configured<?>> configured = new ArrayList<>();
    for (Backend<?> backend : backends) {
      JsonNode section = node.remove(backend.name());
      Object settings =
          section == null || section.isNull()
              ? backend.defaults()
              : context.readTreeAsValue(section, backend.settingsType());
      configured.add(Backends.Configured.of(backend, settings));
    }
    for (Map.Entry<String, JsonNode> unknown : node.properties()) {
      if (unknown.getValue().path("enabled").asBoolean(false)
          || MODULES.containsKey(unknown.getKey()) && unknown.getValue().has("uris")) {
        throw new IllegalArgumentException(
            path
                + "."
                + unknown.getKey()
                + " is configured but no such backend is on the class path: add "
                + moduleFor(unknown.getKey()));
      }
      if (!MODULES.containsKey(unknown.getKey())) {
        throw new IllegalArgumentException(
            "unknown setting "
                + path
                + "."
                + unknown.getKey()
                + " (known: "
                + String.join(
                    ", ",
                    Stream.concat(
                            backends.stream().map(Backend::name),
                            path.equals("tiers") ? Stream.of("encryption") : Stream.empty())
                        .toList())
                + ")");
      }
    }
    return new Backends(configured);
  }
}
