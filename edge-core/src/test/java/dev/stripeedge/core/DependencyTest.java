package dev.stripeedge.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DependencyTest {

  static Stream<Arguments> dependencies() {
    return Stream.of(
        Arguments.of(new Dependency.Contains("ch_1"), "ch_1"),
        Arguments.of(new Dependency.References("cus_1"), "ref:cus_1"),
        Arguments.of(new Dependency.ListOf("/v1/charges"), "collection:/v1/charges"),
        Arguments.of(new Dependency.RetrieveOf("cus_1"), "retrieve:cus_1"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("dependencies")
  void aKeyParsesBackToItsDependency(Dependency dependency, String key) {
    assertThat(dependency.key()).isEqualTo(key);
    assertThat(Dependency.parse(key)).isEqualTo(dependency);
  }
}
