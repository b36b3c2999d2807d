package io.poseidon.deploy.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Loopback port helpers shared by the broker and the registry. */
public final class Ports {

    /** Every component of the local stack binds to this address only. */
    public static final String HOST = "127.0.0.1";

    private Ports() {
    }

    /** A port that was free on {@link #HOST} a moment ago (bind to port 0, read it, release it). */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new LocalStackException("Cannot find a free port on " + HOST + ": " + e.getMessage(), e);
        }
    }

    /** True when {@code port} can be bound on {@link #HOST} right now. */
    public static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code port}, or a free port when {@code port} is 0. */
    static int resolve(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Port must be between 0 and 65535, got " + port);
        }
        return port == 0 ? freePort() : port;
    }

    /** Fails fast with the Kafka-port message when {@code port} is taken. */
    static void ensureKafkaPortFree(int port) {
        if (port != 0 && !isFree(port)) {
            throw new LocalStackException(kafkaPortInUse(port));
        }
    }

    /** Fails fast with the registry-port message when {@code port} is taken. */
    static void ensureRegistryPortFree(int port) {
        if (port != 0 && !isFree(port)) {
            throw new LocalStackException(registryPortInUse(port));
        }
    }

    static String kafkaPortInUse(int port) {
        return "Kafka port " + port + " on " + HOST + " is already in use (another Poseidon stack or a Kafka broker?). "
                + "Stop it or choose another port with --kafka-port / POSEIDON_KAFKA_PORT.";
    }

    static String registryPortInUse(int port) {
        return "Registry port " + port + " on " + HOST + " is already in use (another Poseidon stack or a schema registry?). "
                + "Stop it or choose another port with --registry-port / POSEIDON_REGISTRY_PORT.";
    }
}
