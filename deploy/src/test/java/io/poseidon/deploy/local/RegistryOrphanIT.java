package io.poseidon.deploy.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of the JVM that hosts the stack leaves no registry process behind. */
class RegistryOrphanIT {

    @TempDir
    Path dir;

    @TempDir
    Path logs;

    @Test
    void registryDiesWithItsKilledParentJvm() throws Exception {
        Path output = logs.resolve("child.log");
        List<String> command = new ArrayList<>(List.of(RegistryServer.javaBinary(), "-cp", testClassPath(),
                "io.poseidon.deploy.local.LocalStackMain", "--data-dir", dir.toString(),
                "--kafka-port", "0", "--registry-port", "0"));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        long registryPid;
        try {
            String ready = awaitReadyLine(child, output);
            String[] parts = ready.split(" ");
            String bootstrap = parts[1];
            try (Admin admin = Clients.admin(bootstrap)) {
                admin.createTopics(List.of(new NewTopic("before-crash", 1, (short) 1))).all().get();
            }
            Clients.produce(bootstrap, "before-crash", "v1");
            assertEquals(200, Clients.get(parts[2] + "/system/info").statusCode());

            registryPid = RegistryServer.readPid(dir.resolve("registry").resolve("registry.pid")).orElseThrow();
            assertTrue(RegistryServer.isRegistryOf(registryPid, dir.resolve("registry")), "pid file names the registry");
            assertTrue(ProcessHandle.of(registryPid).orElseThrow().parent().map(p -> p.parent().map(ProcessHandle::pid)
                    .orElse(-1L)).orElse(-1L) == child.pid(), "registry runs under the child JVM (via its supervisor)");
        } finally {
            child.destroyForcibly(); // SIGKILL on Linux
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL");

        long pid = registryPid;
        Clients.await(Duration.ofSeconds(15), "registry process " + pid + " to exit after its parent was killed",
                () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
        assertNothingOutlives(dir.resolve("registry"), "the killed JVM's registry");

        // the data directory is usable straight away and kept the broker's data
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral(dir));
             Admin admin = Clients.admin(stack.bootstrapServers())) {
            assertTrue(admin.listTopics().names().get().contains("before-crash"));
            assertEquals(List.of("v1"), Clients.consume(stack.bootstrapServers(), "after-crash", "before-crash", 1,
                    java.util.Map.of(), false));
        }
    }

    @Test
    void nothingOfTheRegistryOutlivesAStop() throws Exception {
        Path registryDir = dir.resolve("registry");
        RegistryServer registry = RegistryServer.start(registryDir, 0, RegistryServer.DEFAULT_START_TIMEOUT);
        assertTrue(processesOf(registryDir).size() >= 3, "supervisor, watcher and server: " + processesOf(registryDir));

        registry.close();

        assertNothingOutlives(registryDir, "a stopped registry");
    }

    /**
     * No process of the registry of {@code registryDir} is alive 2 s after it stopped — the supervisor,
     * its watcher, the server, and whatever they started later (the watcher used to leave a
     * {@code sleep 10}, adopted by PID 1, behind). They are found by the environment every one of them
     * inherits from the supervisor ({@code POSEIDON_REGISTRY_PIDFILE} of that directory).
     */
    private static void assertNothingOutlives(Path registryDir, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        List<String> left = processesOf(registryDir);
        while (!left.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("processes of " + what + " still alive 2 s after it stopped: " + left);
            }
            Thread.sleep(50);
            left = processesOf(registryDir);
        }
    }

    /** {@code pid command} of every live (not zombie) process whose environment names the registry's pid file. */
    private static List<String> processesOf(Path registryDir) {
        byte[] marker = ("POSEIDON_REGISTRY_PIDFILE=" + registryDir.toAbsolutePath().normalize()
                .resolve(RegistryServer.PID_FILE)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<String> found = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    byte[] environ = Files.readAllBytes(proc.resolve("environ"));
                    String stat = Files.readString(proc.resolve("stat"));
                    boolean zombie = stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
                    if (!zombie && io.poseidon.deploy.testing.Bytes.indexOf(environ, marker) >= 0) {
                        found.add(proc.getFileName() + " " + RegistryServer.commandLine(Long.parseLong(proc.getFileName()
                                .toString())));
                    }
                } catch (java.io.IOException | RuntimeException e) {
                    // gone meanwhile, or not ours to read
                }
            }
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot list /proc", e);
        }
        return found;
    }


    @Test
    void nextStartStopsARegistryLeftOverByAPreviousRun() throws Exception {
        Path registryDir = dir.resolve("registry");
        RegistryServer first = RegistryServer.start(registryDir, 0, RegistryServer.DEFAULT_START_TIMEOUT);
        ProcessHandle orphan = ProcessHandle.of(first.pid()).orElseThrow();
        try {
            // Make it a true orphan: kill its supervisor shell and the watcher, not the server.
            ProcessHandle supervisor = orphan.parent().orElseThrow();
            supervisor.children().filter(h -> h.pid() != orphan.pid()).forEach(ProcessHandle::destroyForcibly);
            supervisor.destroyForcibly();
            Clients.await(Duration.ofSeconds(5), "supervisor to die", () -> !supervisor.isAlive());
            assertTrue(orphan.isAlive(), "the registry outlived its supervisor");
            assertFalse(orphan.parent().map(p -> p.pid() == supervisor.pid()).orElse(false));

            try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral(dir))) {
                assertFalse(orphan.isAlive(), "leftover registry " + orphan.pid() + " was stopped");
                assertTrue(stack.registry().pid() != orphan.pid());
                assertEquals(200, Clients.get(stack.registryUrl() + "/system/info").statusCode());
                String log = Files.readString(registryDir.resolve("registry.log"));
                assertTrue(log.contains("starting Apicurio Registry"), "log has the start banner");
            }
        } finally {
            orphan.destroyForcibly();
        }
    }

    private static String awaitReadyLine(Process child, Path output) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            Optional<String> ready = Files.readAllLines(output).stream().filter(l -> l.startsWith("READY ")).findFirst();
            if (ready.isPresent()) {
                return ready.get();
            }
            if (!child.isAlive()) {
                throw new AssertionError("LocalStackMain exited with " + child.exitValue() + ":\n" + Files.readString(output));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("LocalStackMain printed no READY line:\n" + Files.readString(output));
    }

    private static String testClassPath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        return String.join(File.pathSeparator, cp.split(File.pathSeparator));
    }
}
