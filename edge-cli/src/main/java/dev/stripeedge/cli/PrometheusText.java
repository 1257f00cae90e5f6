package dev.stripeedge.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Samples of Prometheus's text exposition format ({@code name{label="value",…} value}), as the
 * edge's {@code /metrics} writes them: enough to read counters, timers' {@code _count}/{@code _sum}
 * and gauges back. Comments and timestamps are skipped.
 */
final class PrometheusText {

  /** One sample. */
  record Sample(String name, Map<String, String> labels, double value) {
    String label(String name) {
      return labels.getOrDefault(name, "");
    }
  }

  private final List<Sample> samples;

  private PrometheusText(List<Sample> samples) {
    this.samples = List.copyOf(samples);
  }

  /**
   * The samples of {@code text}.
   *
   * @throws IllegalArgumentException a line that is not a sample, by number
   */
  static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    int number = 0;
    for (String raw : text.split("\n")) {
      number++;
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      try {
        samples.add(sample(line));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "line " + number + " is not a Prometheus sample: " + e.getMessage(), e);
      }
    }
    return new PrometheusText(samples);
  }

  private static Sample sample(String line) {
    int brace = line.indexOf('{');
    int space = line.indexOf(' ');
    Map<String, String> labels = new LinkedHashMap<>();
    String name;
    int rest;
    if (brace >= 0 && (space < 0 || brace < space)) {
      name = line.substring(0, brace);
      rest = labels(line, brace + 1, labels);
    } else {
      if (space < 0) {
        throw new IllegalArgumentException("no value");
      }
      name = line.substring(0, space);
      rest = space;
    }
    String[] fields = line.substring(rest).strip().split("\\s+");
    return new Sample(name, labels, value(fields[0]));
  }

  /** Reads {@code a="x",b="y"}} from {@code at}; returns the index after the closing brace. */
  private static int labels(String line, int at, Map<String, String> into) {
    int i = at;
    while (i < line.length() && line.charAt(i) != '}') {
      int equals = line.indexOf('=', i);
      if (equals < 0 || equals + 1 >= line.length() || line.charAt(equals + 1) != '"') {
        throw new IllegalArgumentException("bad label at column " + i);
      }
      String key = line.substring(i, equals).strip();
      StringBuilder value = new StringBuilder();
      int j = equals + 2;
      for (; j < line.length() && line.charAt(j) != '"'; j++) {
        char c = line.charAt(j);
        if (c == '\\' && j + 1 < line.length()) {
          char next = line.charAt(++j);
          value.append(next == 'n' ? '\n' : next);
        } else {
          value.append(c);
        }
      }
      if (j >= line.length()) {
        throw new IllegalArgumentException("unterminated label value");
      }
      into.put(key, value.toString());
      i = j + 1;
      if (i < line.length() && line.charAt(i) == ',') {
        i++;
      }
    }
    if (i >= line.length()) {
      throw new IllegalArgumentException("no closing brace");
    }
    return i + 1;
  }

  private static double value(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(text);
    };
  }

  /** The samples named {@code name}. */
  List<Sample> named(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }

  /** The sum of the samples named {@code name} that {@code filter} keeps (0 when none). */
  double sum(String name, Predicate<Sample> filter) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && filter.test(s))
        .mapToDouble(Sample::value)
        .sum();
  }

  boolean isEmpty() {
    return samples.isEmpty();
  }
}
