package dev.stripeedge.core.internal;

import dev.stripeedge.core.EdgeResponse;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@link EdgeResponse} as the bytes a slower tier stores ({@code TierEntry.value}).
 *
 * <p>Format, big-endian: magic {@code 0x5E}, version {@code 1}, status (u16), header count (u16),
 * per header its name and value count (u16) and values, body length (u32) and body. Every string is
 * a u32 length and UTF-8 bytes. A new version gets a new number; {@link #decode} refuses versions
 * it does not know (a miss, never a wrong answer), so edges of two releases can share a tier.
 *
 * <p>Stateless and thread-safe.
 */
public final class ResponseCodec {

  static final byte MAGIC = 0x5E;
  static final byte VERSION = 1;

  private ResponseCodec() {}

  /** The response's bytes. */
  public static byte[] encode(EdgeResponse response) {
    List<byte[]> strings = new ArrayList<>();
    int size = 2 + 2 + 2 + 4 + response.body().length;
    for (Map.Entry<String, List<String>> header : response.headers().entrySet()) {
      byte[] name = header.getKey().getBytes(StandardCharsets.UTF_8);
      strings.add(name);
      size += 4 + name.length + 2;
      for (String value : header.getValue()) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        strings.add(utf8);
        size += 4 + utf8.length;
      }
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    out.put(MAGIC).put(VERSION);
    out.putShort((short) response.status());
    out.putShort(unsignedShort(response.headers().size(), "header count"));
    int next = 0;
    for (Map.Entry<String, List<String>> header : response.headers().entrySet()) {
      putBytes(out, strings.get(next++));
      out.putShort(unsignedShort(header.getValue().size(), "values of " + header.getKey()));
      for (int i = 0; i < header.getValue().size(); i++) {
        putBytes(out, strings.get(next++));
      }
    }
    putBytes(out, response.body());
    return out.array();
  }

  /**
   * The response in {@code bytes}.
   *
   * @throws IllegalArgumentException the bytes are not a response of a known version
   */
  public static EdgeResponse decode(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    try {
      if (in.get() != MAGIC) {
        throw new IllegalArgumentException("not an encoded response (magic)");
      }
      byte version = in.get();
      if (version != VERSION) {
        throw new IllegalArgumentException("unknown response encoding version " + version);
      }
      int status = Short.toUnsignedInt(in.getShort());
      int headers = Short.toUnsignedInt(in.getShort());
      Map<String, List<String>> map = new LinkedHashMap<>();
      for (int h = 0; h < headers; h++) {
        String name = new String(getBytes(in), StandardCharsets.UTF_8);
        int count = Short.toUnsignedInt(in.getShort());
        List<String> values = new ArrayList<>(count);
        for (int v = 0; v < count; v++) {
          values.add(new String(getBytes(in), StandardCharsets.UTF_8));
        }
        map.put(name, values);
      }
      byte[] body = getBytes(in);
      if (in.hasRemaining()) {
        throw new IllegalArgumentException(in.remaining() + " bytes after the body");
      }
      return new EdgeResponse(status, map, body);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated encoded response", e);
    }
  }

  private static short unsignedShort(int value, String what) {
    if (value > 0xFFFF) {
      throw new IllegalArgumentException("too many " + what + ": " + value);
    }
    return (short) value;
  }

  private static void putBytes(ByteBuffer out, byte[] bytes) {
    out.putInt(bytes.length);
    out.put(bytes);
  }

  private static byte[] getBytes(ByteBuffer in) {
    int length = in.getInt();
    if (length < 0 || length > in.remaining()) {
      throw new IllegalArgumentException("length " + length + " beyond the encoded response");
    }
    byte[] bytes = new byte[length];
    in.get(bytes);
    return bytes;
  }
}
