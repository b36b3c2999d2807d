package io.poseidon.gateway.http;

/** One problem with one field of a request: {@code field} is a JSON path such as {@code metadata.zone}. */
public record FieldError(String field, String message) {}
