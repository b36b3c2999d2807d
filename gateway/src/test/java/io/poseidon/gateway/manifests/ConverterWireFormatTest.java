package io.poseidon.gateway.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.topology.serde.SerdeFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * One wire format everywhere (docs/adr/0018): every file under {@code deploy/} that configures Apicurio's
 * Connect {@code AvroConverter} (a Strimzi KafkaConnector, a connector's JSON for the Connect REST API, a
 * worker's properties) sets the serdes' framing, {@link SerdeFactory#framing()}, with the same values.
 * A converter left on Apicurio's defaults would look for the id in headers, or read 8 bytes as a global
 * id, and send every record to its dead-letter topic.
 */
class ConverterWireFormatTest {

  private static Path deployDir() {
    return Files.isDirectory(Path.of("..", "gateway")) ? Path.of("..", "deploy") : Path.of("deploy");
  }

  @Test
  void shouldConfigureEveryConnectConverterWithTheSerdesFraming() throws IOException {
    List<Path> converters = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    try (Stream<Path> files = Files.walk(deployDir())) {
      for (Path file : files.filter(Files::isRegularFile)
          .filter(f -> !f.toString().contains("/target/") && f.toString().matches(".*\\.(ya?ml|json|properties)$"))
          .toList()) {
        String text = Files.readString(file);
        if (!text.contains(SerdeFactory.CONNECT_CONVERTER)) {
          continue;
        }
        converters.add(file);
        for (Map.Entry<String, String> setting : SerdeFactory.framing().entrySet()) {
          // key: value (YAML), "key": "value" (JSON) or key=value (properties), under any converter prefix
          Pattern set = Pattern.compile(Pattern.quote(setting.getKey()) + "\"?\\s*[:=]\\s*\"?"
              + Pattern.quote(setting.getValue()) + "\"?(\\s|,|$)", Pattern.MULTILINE);
          if (!set.matcher(text).find()) {
            problems.add(file + ": " + setting.getKey() + " is not " + setting.getValue());
          }
        }
      }
    }
    assertTrue(!converters.isEmpty(), "no converter configuration found under " + deployDir().toAbsolutePath());
    assertEquals(List.of(), problems, "Connect converters must use SerdeFactory.framing() (docs/adr/0018)");
  }
}
