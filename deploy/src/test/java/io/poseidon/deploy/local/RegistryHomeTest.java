package io.poseidon.deploy.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryHomeTest {

    @TempDir
    Path dir;

    @Test
    void buildWroteTheDistributionLocation() {
        Path home = RegistryHome.find(Map.of(), new Properties());
        assertTrue(Files.isRegularFile(home.resolve("apicurio-registry-app-2.6.13.Final-runner.jar")), home.toString());
        assertTrue(Files.isDirectory(home.resolve("lib")), home.toString());
    }

    @Test
    void environmentVariableWins() throws Exception {
        Files.createFile(dir.resolve("apicurio-registry-app-2.6.13.Final-runner.jar"));
        assertEquals(dir, RegistryHome.find(Map.of("POSEIDON_REGISTRY_HOME", dir.toString()), new Properties()));
    }

    @Test
    void missingDistributionSaysHowToFixIt() {
        LocalStackException e = assertThrows(LocalStackException.class,
                () -> RegistryHome.find(Map.of("POSEIDON_REGISTRY_HOME", dir.resolve("nope").toString()), new Properties()));
        assertTrue(e.getMessage().startsWith("Apicurio Registry distribution not found: " + dir.resolve("nope")
                .resolve("apicurio-registry-app-2.6.13.Final-runner.jar")), e.getMessage());
        assertTrue(e.getMessage().contains("POSEIDON_REGISTRY_HOME"), e.getMessage());
    }

    @Test
    void logTailKeepsTheLastLinesOfThisRunOnly() throws Exception {
        Path log = dir.resolve("registry.log");
        Files.writeString(log, "old run\n");
        long start = Files.size(log);
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 50; i++) {
            text.append("line ").append(i).append('\n');
        }
        Files.writeString(log, text, java.nio.file.StandardOpenOption.APPEND);
        String tail = RegistryServer.tail(log, start, 30);
        assertTrue(tail.contains("line 21") && tail.contains("line 50") && !tail.contains("line 20\n"), tail);
        assertEquals(30, tail.lines().count());
        assertEquals("  old run", RegistryServer.tail(log, 0, 100).lines().findFirst().orElseThrow());
    }

    @Test
    void leftoverCheckIgnoresForeignProcesses() throws Exception {
        // a pid file naming a live process that is not a registry (this JVM) must not kill it
        Files.writeString(dir.resolve("registry.pid"), Long.toString(ProcessHandle.current().pid()));
        assertEquals(false, RegistryServer.stopLeftover(dir));
        assertTrue(ProcessHandle.current().isAlive());
        assertEquals(false, Files.exists(dir.resolve("registry.pid")), "stale pid file removed");
    }
}
