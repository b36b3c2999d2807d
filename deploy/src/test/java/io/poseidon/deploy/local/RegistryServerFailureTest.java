package io.poseidon.deploy.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When the registry process cannot come up, the error says why and nothing is left running. */
class RegistryServerFailureTest {

    @TempDir
    Path home;

    @TempDir
    Path dir;

    @Test
    void processThatExitsAtOnceIsReportedWithItsLog() throws Exception {
        Files.writeString(home.resolve(RegistryHome.runnerJarName()), "not a jar");
        LocalStackException e = assertThrows(LocalStackException.class,
                () -> RegistryServer.start(dir, 0, Duration.ofSeconds(30), home));
        assertTrue(e.getMessage().startsWith("Apicurio Registry exited with code 1 during startup"), e.getMessage());
        assertTrue(e.getMessage().contains("(log: " + dir.resolve("registry.log") + ")"), e.getMessage());
        assertTrue(e.getMessage().contains("Invalid or corrupt jarfile"), e.getMessage());
    }

    @Test
    void processThatNeverBecomesReadyTimesOutAndIsStopped() throws Exception {
        writeFakeRunnerJar();
        LocalStackException e = assertThrows(LocalStackException.class,
                () -> RegistryServer.start(dir, 0, Duration.ofSeconds(3), home));
        assertTrue(e.getMessage().startsWith("Apicurio Registry did not become ready on http://127.0.0.1:"), e.getMessage());
        assertTrue(e.getMessage().contains("within 3 s"), e.getMessage());
        assertTrue(e.getMessage().contains("fake registry: stuck forever"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("registry.pid")), "pid file removed");
        assertEquals(0, ProcessHandle.current().descendants()
                .filter(h -> h.info().commandLine().orElse("").contains(dir.toString())).count(), "no process left");
    }

    private void writeFakeRunnerJar() throws Exception {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, FakeRegistryMain.class.getName());
        String entry = FakeRegistryMain.class.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(home.resolve(RegistryHome.runnerJarName()));
             JarOutputStream jar = new JarOutputStream(file, manifest);
             InputStream clazz = FakeRegistryMain.class.getClassLoader().getResourceAsStream(entry)) {
            jar.putNextEntry(new JarEntry(entry));
            clazz.transferTo(jar);
            jar.closeEntry();
        }
    }
}
