package io.poseidon.deploy.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the unpacked Apicurio Registry server distribution
 * ({@code io.apicurio:apicurio-registry-app:2.6.13.Final:zip:all}).
 *
 * <p>Looked up in this order: the environment variable {@value #ENV}, the system property
 * {@value #PROPERTY}, then {@code registry.home} of the classpath resource {@value #RESOURCE}
 * (written by the deploy module's build, which unpacks the distribution into its
 * {@code target/apicurio-registry}). When that directory is gone (e.g. after {@code mvn clean}) but
 * the zip is still in the local Maven repository, it is unpacked once into
 * {@code ~/.cache/poseidon/}.
 */
public final class RegistryHome {

    private static final Logger LOG = LoggerFactory.getLogger(RegistryHome.class);

    public static final String ENV = "POSEIDON_REGISTRY_HOME";
    public static final String PROPERTY = "poseidon.registry.home";
    public static final String RESOURCE = "poseidon-deploy.properties";

    private RegistryHome() {
    }

    /** The registry version this module ships (from {@value #RESOURCE}). */
    public static String version() {
        return resource().getProperty("registry.version", "2.6.13.Final");
    }

    /** {@code apicurio-registry-app-<version>-runner.jar}. */
    public static String runnerJarName() {
        return "apicurio-registry-app-" + version() + "-runner.jar";
    }

    /** The distribution directory, checked to contain the runner jar. */
    public static Path find() {
        return find(System.getenv(), System.getProperties());
    }

    static Path find(Map<String, String> env, Properties system) {
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return check(Path.of(fromEnv), "the environment variable " + ENV);
        }
        String fromProperty = system.getProperty(PROPERTY);
        if (fromProperty != null && !fromProperty.isBlank()) {
            return check(Path.of(fromProperty), "the system property " + PROPERTY);
        }
        Properties resource = resource();
        String home = resource.getProperty("registry.home");
        if (home == null || home.isBlank()) {
            throw new LocalStackException("Apicurio Registry distribution not configured: the classpath has no "
                    + RESOURCE + " with registry.home. Set " + ENV + " to an unpacked "
                    + "io.apicurio:apicurio-registry-app:" + version() + ":zip:all.");
        }
        Path path = Path.of(home);
        if (Files.isRegularFile(path.resolve(runnerJarName()))) {
            return path;
        }
        String zip = resource.getProperty("registry.zip");
        if (zip != null && Files.isRegularFile(Path.of(zip))) {
            return unpackToCache(Path.of(zip));
        }
        return check(path, RESOURCE + " (registry.home)");
    }

    /** The directory if it holds the runner jar, else a clear error naming where it came from. */
    public static Path check(Path home, String source) {
        Path jar = home.resolve(runnerJarName());
        if (!Files.isRegularFile(jar)) {
            throw new LocalStackException("Apicurio Registry distribution not found: " + jar + " (from " + source
                    + ") does not exist. Build the deploy module (mvn -pl deploy package) or set " + ENV
                    + " to an unpacked io.apicurio:apicurio-registry-app:" + version() + ":zip:all.");
        }
        return home.toAbsolutePath().normalize();
    }

    static Properties resource() {
        Properties props = new Properties();
        try (InputStream in = RegistryHome.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in != null) {
                props.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return props;
    }

    private static synchronized Path unpackToCache(Path zip) {
        Path target = Path.of(System.getProperty("user.home"), ".cache", "poseidon", "apicurio-registry-" + version());
        if (Files.isRegularFile(target.resolve(runnerJarName()))) {
            return target;
        }
        LOG.info("Unpacking Apicurio Registry {} from {} into {}", version(), zip, target);
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempDirectory(target.getParent(), "unpack-");
            try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
                for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                    Path out = tmp.resolve(entry.getName()).normalize();
                    if (!out.startsWith(tmp)) {
                        throw new IOException("Bad zip entry " + entry.getName());
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(out);
                    } else {
                        Files.createDirectories(out.getParent());
                        Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                // another process unpacked it first: use theirs
                LocalStack.deleteRecursively(tmp);
            }
        } catch (IOException e) {
            throw new LocalStackException("Cannot unpack the Apicurio Registry distribution " + zip + " into " + target
                    + ": " + e.getMessage(), e);
        }
        return check(target, zip.toString());
    }
}
