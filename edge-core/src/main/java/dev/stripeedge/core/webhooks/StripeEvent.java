package dev.stripeedge.core.webhooks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.stripeedge.core.ObjectChange;
import dev.stripeedge.core.SideEffectRule;
import dev.stripeedge.core.internal.ObjectIds;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What the edge needs of one Stripe event ({@code "object": "event"}), read from its JSON.
 *
 * @param id {@code evt_…}
 * @param type e.g. {@code customer.updated}
 * @param created Unix seconds
 * @param objectId {@code data.object.id}; null when the object has none
 * @param account the connected account for Connect events; null otherwise
 * @param objectIds every {@code id} inside {@code data.object}, the object's own first, expanded
 *     objects after it (references such as {@code "customer": "cus_1"} are not contents)
 */
public record StripeEvent(
    String id,
    String type,
    long created,
    @Nullable String objectId,
    @Nullable String account,
    Set<String> objectIds) {

  private static final Pattern SHORT_NAME = Pattern.compile("[a-z0-9_.]{1,40}");

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build())
          .build();

  public StripeEvent {
    if (id.isBlank() || type.isBlank()) {
      throw new IllegalArgumentException("an event needs an id and a type");
    }
    objectIds = Collections.unmodifiableSet(new LinkedHashSet<>(objectIds));
  }

  /**
   * Reads an event from its JSON (a webhook body or an element of {@code GET /v1/events}).
   *
   * @throws IllegalArgumentException not JSON, not an object, or not an event (no {@code id},
   *     {@code type} or {@code created}, or {@code object} other than {@code event}); the message
   *     says which
   */
  public static StripeEvent parse(byte[] json) {
    String id = null;
    String type = null;
    String object = null;
    String account = null;
    long created = -1;
    int dataStart = -1;
    int dataEnd = -1;
    try (JsonParser parser = JSON.createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("the body is not a JSON object");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        switch (field) {
          case "id" -> id = text(parser, value);
          case "type" -> type = text(parser, value);
          case "object" -> object = text(parser, value);
          case "account" -> account = text(parser, value);
          case "created" ->
              created = value == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue() : -1;
          case "data" -> {
            if (value != JsonToken.START_OBJECT) {
              parser.skipChildren();
              break;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
              String inner = parser.currentName();
              JsonToken innerValue = parser.nextToken();
              if (inner.equals("object") && innerValue == JsonToken.START_OBJECT) {
                dataStart = (int) parser.currentTokenLocation().getByteOffset();
                parser.skipChildren();
                dataEnd = (int) parser.currentLocation().getByteOffset();
              } else {
                parser.skipChildren();
              }
            }
          }
          default -> parser.skipChildren();
        }
      }
      // Anything after the closing brace makes the body something other than one event.
      if (parser.nextToken() != null) {
        throw new IllegalArgumentException("trailing content after the JSON object");
      }
    } catch (IOException e) {
      // Where, never what: the parser's message quotes the input, which reaches the sender's
      // answer and the log (control characters, any length).
      throw new IllegalArgumentException("the body is not valid JSON" + where(e), e);
    }
    if (object != null && !object.equals("event")) {
      // Named only when it looks like a Stripe object type: the message reaches the sender.
      throw new IllegalArgumentException(
          "not an event: \"object\" is "
              + (SHORT_NAME.matcher(object).matches() ? "\"" + object + "\"" : "not \"event\""));
    }
    if (id == null || id.isBlank() || type == null || type.isBlank() || created < 0) {
      throw new IllegalArgumentException("not an event: it needs \"id\", \"type\" and \"created\"");
    }
    Set<String> ids = new LinkedHashSet<>();
    String objectId = null;
    if (dataStart >= 0 && dataEnd > dataStart) {
      byte[] dataObject = Arrays.copyOfRange(json, dataStart, dataEnd);
      // The object's own id may come after a nested object's: look for it at the top level.
      objectId = topLevelId(dataObject);
      if (objectId != null) {
        ids.add(objectId);
      }
      ids.addAll(ObjectIds.scan(dataObject));
      if (objectId != null) {
        SideEffectRule.ofEvent(type, objectId).forEach(dependency -> ids.add(dependency.key()));
      }
    }
    return new StripeEvent(id, type, created, objectId, account, ids);
  }

  /**
   * The new state of this event's object as {@code payload} (this event's JSON) carries it, or null
   * when there is none to trust: no object or API version, or a deletion.
   */
  public @Nullable ObjectChange change(byte[] payload) {
    // A blank id names no object a copy could stand for (and ObjectChange refuses it).
    if (objectId == null
        || objectId.isBlank()
        || type.endsWith(".deleted")
        || payload.length == 0) {
      return null;
    }
    String apiVersion = null;
    byte[] object = null;
    byte[] previous = new byte[0];
    try (JsonParser parser = JSON.createParser(payload)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if (field.equals("api_version")) {
          apiVersion = text(parser, value);
        } else if (field.equals("data") && value == JsonToken.START_OBJECT) {
          while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String inner = parser.currentName();
            JsonToken innerValue = parser.nextToken();
            if (inner.equals("object") && innerValue == JsonToken.START_OBJECT) {
              object = raw(parser, payload);
            } else if (inner.equals("previous_attributes")
                && innerValue == JsonToken.START_OBJECT) {
              previous = raw(parser, payload);
            } else {
              parser.skipChildren();
            }
          }
        } else {
          parser.skipChildren();
        }
      }
    } catch (IOException e) {
      return null;
    }
    if (apiVersion == null || apiVersion.isBlank() || object == null) {
      return null;
    }
    return new ObjectChange(objectId, created, apiVersion, object, previous, account);
  }

  /** The bytes of the JSON object the parser is at the start of; the parser moves past it. */
  private static byte[] raw(JsonParser parser, byte[] payload) throws IOException {
    int start = (int) parser.currentTokenLocation().getByteOffset();
    parser.skipChildren();
    return Arrays.copyOfRange(payload, start, (int) parser.currentLocation().getByteOffset());
  }

  private static @Nullable String topLevelId(byte[] object) {
    try (JsonParser parser = JSON.createParser(object)) {
      parser.nextToken();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if (field.equals("id") && value == JsonToken.VALUE_STRING) {
          return parser.getText();
        }
        parser.skipChildren();
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }

  private static @Nullable String text(JsonParser parser, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_STRING) {
      return parser.getText();
    }
    parser.skipChildren();
    return null;
  }

  private static String where(IOException e) {
    JsonLocation location = e instanceof JsonProcessingException json ? json.getLocation() : null;
    return location == null
        ? ""
        : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
  }
}
