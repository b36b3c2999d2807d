package io.poseidon.deploy.local;

/**
 * A failure of the local stack whose message is meant for a person: it says what went wrong and
 * what to do (port in use, data directory locked, registry did not come up, ...). Command-line
 * tools print {@link #getMessage()} without a stack trace.
 */
public class LocalStackException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public LocalStackException(String message) {
        super(message);
    }

    public LocalStackException(String message, Throwable cause) {
        super(message, cause);
    }
}
