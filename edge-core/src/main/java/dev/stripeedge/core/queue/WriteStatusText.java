package dev.stripeedge.core.queue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * A {@link WriteStatus} as one line of text, for a {@link WriteStatusBoard} kept in a shared store:
 * fields separated by spaces, free text and bytes in base64. Versioned ({@code s1}).
 */
public final class WriteStatusText {

  private static final Base64.Encoder ENCODER = Base64.getEncoder();
  private static final Base64.Decoder DECODER = Base64.getDecoder();

  private WriteStatusText() {}

  /** The line for {@code status}. */
  public static String encode(WriteStatus status) {
    return String.join(
        " ",
        "s1",
        status.id(),
        status.state().tag(),
        status.method(),
        text(status.path()),
        text(status.idempotencyKey()),
        Long.toString(status.acceptedAt().toEpochMilli()),
        Long.toString(status.updatedAt().toEpochMilli()),
        Integer.toString(status.attempts()),
        Integer.toString(status.resultStatus()),
        status.requestId() == null ? "-" : text(status.requestId()),
        "=" + ENCODER.encodeToString(status.resultBody()),
        text(status.reason()),
        ENCODER.encodeToString(status.ownerHash()));
  }

  /**
   * The status {@link #encode} wrote.
   *
   * @throws IllegalArgumentException not such a line
   */
  public static WriteStatus decode(String line) {
    String[] f = line.split(" ", -1);
    if (f.length != 14 || !f[0].equals("s1")) {
      throw new IllegalArgumentException("not a write status line");
    }
    try {
      return new WriteStatus(
          f[1],
          WriteState.ofTag(f[2]),
          f[3],
          untext(f[4]),
          untext(f[5]),
          Instant.ofEpochMilli(Long.parseLong(f[6])),
          Instant.ofEpochMilli(Long.parseLong(f[7])),
          Integer.parseInt(f[8]),
          Integer.parseInt(f[9]),
          f[10].equals("-") ? null : untext(f[10]),
          DECODER.decode(f[11].substring(1)),
          untext(f[12]),
          DECODER.decode(f[13]));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a write status line", e);
    }
  }

  // Base64 of the UTF-8 bytes, "=" first so an empty value is still a field.
  private static String text(String value) {
    return "=" + ENCODER.encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  private static String untext(String field) {
    return new String(DECODER.decode(field.substring(1)), StandardCharsets.UTF_8);
  }
}
