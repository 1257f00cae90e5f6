package dev.stripeedge.queue.kafka;

import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.queue.QueuedWrite;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A write as a Kafka record's value: a version tag, then its fields, each length-prefixed (the
 * request's headers as {@link QueuedWrite#headerBlock}). The record's key is the write's order key,
 * which is what places one object's writes in one partition; the value carries it again so a record
 * read alone is the whole write.
 */
final class WriteRecords {

  private static final int VERSION = 0x73650001; // "se" + version 1

  private WriteRecords() {}

  static byte[] encode(QueuedWrite write) {
    EdgeRequest request = write.request();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + request.body().length);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(VERSION);
      text(out, write.id());
      text(out, write.orderKey());
      text(out, write.callbackUrl());
      out.writeLong(write.acceptedAt().toEpochMilli());
      text(out, request.method());
      text(out, request.path());
      text(out, request.rawQuery());
      text(out, QueuedWrite.headerBlock(request.headers()));
      out.writeInt(request.body().length);
      out.write(request.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * The write a record's value carries.
   *
   * @throws IllegalArgumentException the value is not a stripe-edge write (another producer's
   *     record on the topic, or a damaged one)
   */
  static QueuedWrite decode(byte @Nullable [] value) {
    if (value == null) {
      throw new IllegalArgumentException("a record without a value is not a stripe-edge write");
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
      if (in.readInt() != VERSION) {
        throw new IllegalArgumentException("not a stripe-edge write record");
      }
      String id = required(in);
      String orderKey = required(in);
      String callback = text(in);
      Instant acceptedAt = Instant.ofEpochMilli(in.readLong());
      String method = required(in);
      String path = required(in);
      String query = required(in);
      String headers = required(in);
      byte[] body = bytes(in);
      if (in.available() > 0) {
        throw new IllegalArgumentException("a stripe-edge write record with trailing bytes");
      }
      return new QueuedWrite(
          id,
          new EdgeRequest(method, path, query, QueuedWrite.parseHeaderBlock(headers), body),
          orderKey,
          callback,
          acceptedAt);
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException known) {
        throw known;
      }
      throw new IllegalArgumentException("not a readable stripe-edge write record: " + e, e);
    }
  }

  private static void text(DataOutputStream out, @Nullable String value) throws IOException {
    if (value == null) {
      out.writeInt(-1);
      return;
    }
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  private static @Nullable String text(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length == -1) {
      return null;
    }
    return new String(read(in, length), StandardCharsets.UTF_8);
  }

  private static String required(DataInputStream in) throws IOException {
    String value = text(in);
    if (value == null) {
      throw new IllegalArgumentException("a stripe-edge write record missing a field");
    }
    return value;
  }

  private static byte[] bytes(DataInputStream in) throws IOException {
    return read(in, in.readInt());
  }

  private static byte[] read(DataInputStream in, int length) throws IOException {
    if (length < 0 || length > in.available()) {
      throw new IllegalArgumentException("a stripe-edge write record with a bad length");
    }
    byte[] out = new byte[length];
    in.readFully(out);
    return out;
  }
}
