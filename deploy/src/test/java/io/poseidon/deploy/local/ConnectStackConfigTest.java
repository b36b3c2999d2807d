package io.poseidon.deploy.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --with-connect} and its flags, POSEIDON_POSTGRES_URL, and the port check that runs before anything starts. */
class ConnectStackConfigTest {

  @Test
  void shouldTakeItsFlagsAndLeaveTheStacksOwn() {
    List<String> args = new ArrayList<>(List.of("--data-dir", "d", "--with-connect", "--postgres-port", "5544",
        "--connect-port=8099", "--kafka-port", "0"));

    ConnectStack.Config config = ConnectStack.Config.take(args, Map.of());

    assertTrue(config.enabled());
    assertEquals(5544, config.postgresPort());
    assertEquals(8099, config.connectPort());
    assertNull(config.postgresUrl());
    assertEquals(List.of("--data-dir", "d", "--kafka-port", "0"), args, "the rest goes to LocalStackConfig");
  }

  @Test
  void shouldDefaultTo5432And8083AndLetTheEnvironmentAndThenFlagsChoose() {
    ConnectStack.Config defaults = ConnectStack.Config.take(new ArrayList<>(), Map.of());
    assertFalse(defaults.enabled(), "off unless asked for");
    assertEquals(5432, defaults.postgresPort());
    assertEquals(8083, defaults.connectPort());

    ConnectStack.Config env = ConnectStack.Config.take(new ArrayList<>(List.of("--postgres-port", "7000")),
        Map.of(ConnectStack.ENV_POSTGRES_PORT, "6000", ConnectStack.ENV_CONNECT_PORT, "9000",
            ConnectStack.ENV_POSTGRES_URL, "postgresql://u@db:5433/h"));
    assertEquals(7000, env.postgresPort(), "a flag wins over the environment");
    assertEquals(9000, env.connectPort());
    assertEquals("postgresql://u@db:5433/h", env.postgresUrl());

    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> ConnectStack.Config.take(new ArrayList<>(List.of("--connect-port", "eighty")), Map.of()));
    assertTrue(bad.getMessage().contains("--connect-port"), bad.getMessage());
  }

  @Test
  void shouldReadTheUsersOwnServerInLibpqOrJdbcForm() {
    ConnectWorker.Database uri = ConnectStack.parse("postgresql://ann:s%40cret@db.internal:6543/history?sslmode=require");
    assertEquals("jdbc:postgresql://db.internal:6543/history?sslmode=require", uri.jdbcUrl());
    assertEquals("ann", uri.user());
    assertEquals("s@cret", uri.password());

    ConnectWorker.Database defaults = ConnectStack.parse("postgres://db");
    assertEquals("jdbc:postgresql://db:5432/poseidon", defaults.jdbcUrl());
    assertEquals("poseidon", defaults.user());

    ConnectWorker.Database jdbc = ConnectStack.parse("jdbc:postgresql://db:5432/p?user=bob&password=pw");
    assertEquals("jdbc:postgresql://db:5432/p?user=bob&password=pw", jdbc.jdbcUrl());
    assertEquals("bob", jdbc.user());
    assertEquals("pw", jdbc.password());

    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> ConnectStack.parse("mysql://x"));
    assertTrue(bad.getMessage().contains(ConnectStack.ENV_POSTGRES_URL), bad.getMessage());
  }

  @Test
  void shouldRefuseATakenPortNamingTheFlagBeforeAnythingStarts() throws IOException {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName(Ports.HOST), 0));
      int port = taken.getLocalPort();

      LocalStackException postgres = assertThrows(LocalStackException.class,
          () -> ConnectStack.checkPorts(new ConnectStack.Config(true, port, 0, null)));
      assertTrue(postgres.getMessage().contains("--postgres-port") && postgres.getMessage().contains("POSEIDON_POSTGRES_URL"),
          postgres.getMessage());
      LocalStackException connect = assertThrows(LocalStackException.class,
          () -> ConnectStack.checkPorts(new ConnectStack.Config(true, 0, port, null)));
      assertTrue(connect.getMessage().contains("--connect-port"), connect.getMessage());
      // the user's own server: the private one's port does not matter
      ConnectStack.checkPorts(new ConnectStack.Config(true, port, 0, "postgresql://db/p"));
    }
  }
}
