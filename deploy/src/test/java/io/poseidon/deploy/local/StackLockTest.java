package io.poseidon.deploy.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackLockTest {

    @TempDir
    Path dir;

    @Test
    void secondHolderGetsAClearErrorWithThePid() throws Exception {
        long pid = ProcessHandle.current().pid();
        StackLock first = StackLock.acquire(dir);
        try {
            assertEquals(Long.toString(pid), Files.readString(dir.resolve("stack.lock")));
            LocalStackException e = assertThrows(LocalStackException.class, () -> StackLock.acquire(dir));
            assertEquals("another Poseidon stack is using " + dir + " (pid " + pid + "). "
                    + "Stop it, or give this one another data directory.", e.getMessage());
        } finally {
            first.close();
        }
        // released: can be taken again
        StackLock.acquire(dir).close();
    }

    @Test
    void createsTheDirectory() {
        Path nested = dir.resolve("a/b/c");
        StackLock.acquire(nested).close();
        assertEquals(true, Files.isRegularFile(nested.resolve("stack.lock")));
    }
}
