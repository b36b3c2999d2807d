package io.poseidon.deploy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class TestStackTest {

    @Test
    void uniqueNamesArePrefixedValidTopicNamesAndDistinct() {
        TestStack stack = new TestStack("embedded", "127.0.0.1:1", "http://127.0.0.1:2/apis/registry/v2");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String name = stack.uniqueName("orders");
            assertTrue(name.matches("orders-[a-z0-9]{8}"), name);
            names.add(name);
        }
        assertEquals(1000, names.size());
    }
}
