package dev.stripeedge.core.queue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The JSON the front and the workers answer with: a write's status (the status resource, a 202, an
 * operator's list) and a callback's event-shaped body. Never the request's headers: they hold the
 * API key.
 */
final class WriteJson {

  private static final JsonFactory JSON = new JsonFactory();

  private WriteJson() {}

  /** What the status resource and a 202 answer: the write, Stripe's answer included. */
  static byte[] status(WriteStatus status) {
    return json(status.resultBody().length, out -> writeStatus(out, status, true));
  }

  /** An operator's list of writes in {@code state} (no bodies), with the count in every state. */
  static byte[] list(WriteState state, List<WriteStatus> writes, Map<WriteState, Long> counts) {
    return json(
        256 * writes.size(),
        json -> {
          json.writeStartObject();
          json.writeStringField("object", "list");
          json.writeStringField("state", state.tag());
          json.writeObjectFieldStart("counts");
          for (Map.Entry<WriteState, Long> entry : counts.entrySet()) {
            json.writeNumberField(entry.getKey().tag(), entry.getValue());
          }
          json.writeEndObject();
          json.writeArrayFieldStart("data");
          for (WriteStatus write : writes) {
            writeStatus(json, write, false);
          }
          json.writeEndArray();
          json.writeEndObject();
        });
  }

  /** A callback's body: event-shaped, so apps reuse their webhook handling. */
  static byte[] callback(WriteStatus status) {
    return json(
        status.resultBody().length,
        out -> {
          out.writeStartObject();
          out.writeStringField("object", "event");
          out.writeStringField("type", "edge.write." + status.state().tag());
          out.writeNumberField("created", status.updatedAt().getEpochSecond());
          out.writeObjectFieldStart("data");
          out.writeFieldName("object");
          writeStatus(out, status, true);
          out.writeEndObject();
          out.writeEndObject();
        });
  }

  /** Writes JSON to a byte array. */
  private interface JsonWriter {
    void write(JsonGenerator json) throws IOException;
  }

  private static byte[] json(int sizeHint, JsonWriter writer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512 + sizeHint);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      writer.write(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void writeStatus(JsonGenerator json, WriteStatus status, boolean withBody)
      throws IOException {
    json.writeStartObject();
    json.writeStringField("object", "edge.write");
    json.writeStringField("id", status.id());
    json.writeStringField("state", status.state().tag());
    json.writeStringField("method", status.method());
    json.writeStringField("path", status.path());
    json.writeStringField("idempotency_key", status.idempotencyKey());
    json.writeNumberField("created", status.acceptedAt().getEpochSecond());
    json.writeNumberField("updated", status.updatedAt().getEpochSecond());
    json.writeNumberField("attempts", status.attempts());
    if (!status.reason().isEmpty()) {
      json.writeStringField("reason", status.reason());
    }
    if (status.resultStatus() != 0) {
      json.writeObjectFieldStart("result");
      json.writeNumberField("status", status.resultStatus());
      if (status.requestId() != null) {
        json.writeStringField("request_id", status.requestId());
      }
      if (withBody && status.resultBody().length > 0) {
        json.writeFieldName("body");
        if (isJson(status.resultBody())) {
          json.writeRawValue(new String(status.resultBody(), StandardCharsets.UTF_8));
        } else {
          json.writeString(new String(status.resultBody(), StandardCharsets.UTF_8));
        }
      }
      json.writeEndObject();
    }
    json.writeEndObject();
  }

  /** Whether {@code body} is one complete JSON object (so it can be embedded raw). */
  private static boolean isJson(byte[] body) {
    try (JsonParser parser = JSON.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      parser.skipChildren();
      return parser.nextToken() == null;
    } catch (IOException e) {
      return false;
    }
  }
}
