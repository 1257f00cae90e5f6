package dev.stripeedge.lambda;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

/**
 * Events as AWS sends them: JSON samples under {@code src/test/resources/events} (the payload
 * format of API Gateway HTTP APIs, Function URLs and SQS), placeholders filled in, deserialized by
 * AWS's own event serializer (aws-lambda-java-serialization, what the Java runtime uses), and
 * answers serialized back by it.
 */
final class AwsEvents {

  private AwsEvents() {}

  /** The sample {@code name} with each {@code {{key}}} replaced by its JSON-escaped value. */
  static String json(String name, Map<String, String> values) {
    String text;
    try (InputStream in = AwsEvents.class.getResourceAsStream("/events/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no sample event " + name);
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Map.Entry<String, String> value : values.entrySet()) {
      text = text.replace("{{" + value.getKey() + "}}", escape(value.getValue()));
    }
    if (text.contains("{{")) {
      throw new IllegalArgumentException("unfilled placeholder in " + name + ": " + text);
    }
    return text;
  }

  /** {@code json} deserialized as the Java runtime would for a handler taking {@code type}. */
  static <T> T event(Class<T> type, String json) {
    PojoSerializer<T> serializer =
        LambdaEventSerializers.serializerFor(type, AwsEvents.class.getClassLoader());
    return serializer.fromJson(json);
  }

  /** {@code answer} as the Java runtime would send it back. */
  @SuppressWarnings("unchecked")
  static <T> String answer(T answer) {
    PojoSerializer<T> serializer =
        LambdaEventSerializers.serializerFor(
            (Class<T>) answer.getClass(), AwsEvents.class.getClassLoader());
    var out = new java.io.ByteArrayOutputStream();
    serializer.toJson(answer, out);
    return out.toString(StandardCharsets.UTF_8);
  }

  static String escape(String value) {
    return HttpEvents.escape(value);
  }

  /** A Lambda context for tests: 30 s left, 512 MB. */
  static Context context() {
    String id = UUID.randomUUID().toString();
    return new Context() {
      @Override
      public String getAwsRequestId() {
        return id;
      }

      @Override
      public String getLogGroupName() {
        return "/aws/lambda/stripe-edge-test";
      }

      @Override
      public String getLogStreamName() {
        return "2026/12/07/[$LATEST]0123456789abcdef";
      }

      @Override
      public String getFunctionName() {
        return "stripe-edge-test";
      }

      @Override
      public String getFunctionVersion() {
        return "$LATEST";
      }

      @Override
      public String getInvokedFunctionArn() {
        return "arn:aws:lambda:us-east-1:123456789012:function:stripe-edge-test";
      }

      @Override
      public CognitoIdentity getIdentity() {
        return null;
      }

      @Override
      public ClientContext getClientContext() {
        return null;
      }

      @Override
      public int getRemainingTimeInMillis() {
        return 30_000;
      }

      @Override
      public int getMemoryLimitInMB() {
        return 512;
      }

      @Override
      public LambdaLogger getLogger() {
        return new LambdaLogger() {
          @Override
          public void log(String message) {
            System.out.println(message);
          }

          @Override
          public void log(byte[] message) {
            System.out.println(new String(message, StandardCharsets.UTF_8));
          }
        };
      }
    };
  }
}
