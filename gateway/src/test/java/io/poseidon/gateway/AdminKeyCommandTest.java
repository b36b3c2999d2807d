package io.poseidon.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.gateway.http.auth.ApiKeys;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminKeyCommandTest {

  @Test
  void shouldWriteAnOwnerOnlyAdminKeyOnceAndKeepAnExistingOne(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("secrets").resolve("admin-key");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(0, PoseidonCli.adminKey(List.of(file.toString()), new PrintStream(out), new PrintStream(err)));
    String key = Files.readString(file).trim();
    assertTrue(ApiKeys.keyIdOf(key).isPresent(), key);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    String said = out.toString(StandardCharsets.UTF_8);
    assertTrue(said.contains("http.auth.admin-key-file=") && !said.contains(key), "the key is in the file only: " + said);

    assertEquals(0, PoseidonCli.adminKey(List.of(file.toString()), new PrintStream(out), new PrintStream(err)));
    assertEquals(key, Files.readString(file).trim(), "an existing key is kept");
    assertEquals(2, PoseidonCli.adminKey(List.of(), new PrintStream(out), new PrintStream(err)));
  }
}
