package io.poseidon.gateway.http;

import io.vertx.ext.web.RoutingContext;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.Location;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.RequestBody;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.openapi.validation.transformer.FormTransformer;
import io.vertx.openapi.validation.transformer.ParameterTransformer;
import io.vertx.openapi.validation.transformer.SimpleTransformer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Validates a request against its operation in the contract — parameters by their schemas, the body
 * by the schema of its media type — with validators compiled once per operation at start-up.
 *
 * <p>Why not the router's own validation: {@code vertx-openapi}'s {@code RequestValidator} builds a new
 * JSON-schema validator for every parameter and body of every request, and each construction copies
 * the contract's whole schema lookup map ({@code SchemaValidatorImpl}: {@code new HashMap<>(lookup)});
 * it also runs on a worker thread. In a JFR profile of 3,000 registrations/s that was 45 % of all CPU
 * samples. The compiled validators are immutable, so one set serves every event loop; a small body
 * validates in microseconds on the event loop. The same schemas and the same transformation of
 * parameter strings (vertx-openapi's transformers) as the router would use.
 */
public final class ContractValidation {

  private record CompiledParameter(Parameter parameter, Validator validator, ParameterTransformer transformer) {}

  private record CompiledOperation(List<CompiledParameter> parameters, boolean bodyRequired,
      Map<String, Validator> bodyByMediaType) {}

  private final Map<String, CompiledOperation> operations = new LinkedHashMap<>();
  private final OpenAPIContract resolved;

  /**
   * @param contract the resolved contract (router and validators)
   * @param source the contract as served: the bodies of media types only the gateway reads (NDJSON)
   */
  public ContractValidation(OpenAPIContract contract, ApiContract source) {
    this.resolved = contract;
    Map<String, Map<String, String>> extra = source.gatewayMediaTypes();
    ParameterTransformer simple = new SimpleTransformer();
    ParameterTransformer form = new FormTransformer();
    for (Operation operation : contract.operations()) {
      List<CompiledParameter> parameters = new ArrayList<>();
      for (Parameter p : operation.getParameters()) {
        parameters.add(new CompiledParameter(p, contract.getSchemaRepository().validator(p.getSchema()),
            p.getIn() == Location.QUERY ? form : simple));
      }
      Map<String, Validator> bodies = new LinkedHashMap<>();
      RequestBody body = operation.getRequestBody();
      if (body != null) {
        for (Map.Entry<String, MediaType> media : body.getContent().entrySet()) {
          bodies.put(media.getKey().toLowerCase(Locale.ROOT),
              contract.getSchemaRepository().validator(media.getValue().getSchema()));
        }
      }
      extra.getOrDefault(operation.getOperationId(), Map.of()).forEach((type, ref) -> {
        // the resolved document has every reference inlined: the component is a self-contained schema
        io.vertx.core.json.JsonObject schema = contract.getRawContract().getJsonObject("components")
            .getJsonObject("schemas").getJsonObject(ref.substring("#/components/schemas/".length()));
        bodies.put(type, contract.getSchemaRepository().validator(io.vertx.json.schema.JsonSchema.of(schema)));
      });
      operations.put(operation.getOperationId(), new CompiledOperation(List.copyOf(parameters),
          body != null && body.isRequired(), Map.copyOf(bodies)));
    }
  }

  /** The resolved contract the validators come from (the router is built from it too). */
  OpenAPIContract resolved() {
    return resolved;
  }

  /** The problems of the request for {@code operationId}; empty when it follows the contract. */
  List<FieldError> check(RoutingContext ctx, String operationId) {
    CompiledOperation operation = operations.get(operationId);
    List<FieldError> errors = new ArrayList<>();
    for (CompiledParameter compiled : operation.parameters()) {
      Parameter p = compiled.parameter();
      String raw = switch (p.getIn()) {
        case PATH -> ctx.pathParam(p.getName());
        case QUERY -> ctx.queryParams().get(p.getName());
        case HEADER -> ctx.request().getHeader(p.getName());
        case COOKIE -> ctx.request().getCookie(p.getName()) == null ? null : ctx.request().getCookie(p.getName()).getValue();
      };
      if (raw == null) {
        if (p.isRequired()) {
          errors.add(new FieldError(p.getName(), "is required (" + p.getIn().name().toLowerCase(Locale.ROOT) + ")"));
        }
        continue;
      }
      Object value;
      if ("string".equals(p.getSchema().get("type"))) {
        value = raw; // free text as it came: the transformers would read "12.5", "[1]" or "\"a b\"" as JSON
      } else {
        try {
          value = compiled.transformer().transform(p, raw);
        } catch (ValidatorException e) {
          errors.add(new FieldError(p.getName(), e.getMessage()));
          continue;
        }
      }
      OutputUnit result = compiled.validator().validate(value);
      if (!Boolean.TRUE.equals(result.getValid())) {
        errors.addAll(ContractErrors.of(result, p.getName()));
      }
    }
    if (!operation.bodyByMediaType().isEmpty() && !(Bodies.parsed(ctx) instanceof Bodies.NdJson)) {
      // an NDJSON body is validated by its operation line by line (checkBody): one bad line rejects that line only
      Object body = Bodies.parsed(ctx);
      if (body == null) {
        if (operation.bodyRequired()) {
          errors.add(new FieldError("body", "is required"));
        }
      } else {
        Validator validator = bodyValidator(operation, ctx.request().getHeader("Content-Type"));
        if (validator != null) {
          OutputUnit result = validator.validate(body);
          if (!Boolean.TRUE.equals(result.getValid())) {
            errors.addAll(ContractErrors.of(result, null));
          }
        }
      }
    }
    return errors;
  }

  /**
   * Whether {@code operationId} takes a body of {@code contentType}: a JSON type (application/json,
   * application/*+json) when the contract lists application/json, any other type only when listed.
   */
  boolean acceptsMediaType(String operationId, String contentType) {
    CompiledOperation operation = operations.get(operationId);
    if (operation == null || operation.bodyByMediaType().isEmpty()) {
      return !Bodies.isNdJson(contentType); // no body declared: a JSON body meets the contract's "no such field"
    }
    String type = Bodies.mediaType(contentType);
    return operation.bodyByMediaType().containsKey(type)
        || Bodies.isJson(contentType) && operation.bodyByMediaType().containsKey("application/json");
  }

  /** The media types {@code operationId} takes, as the 415 names them. */
  String mediaTypes(String operationId) {
    CompiledOperation operation = operations.get(operationId);
    return operation == null || operation.bodyByMediaType().isEmpty() ? "application/json"
        : String.join(" or ", operation.bodyByMediaType().keySet());
  }

  /**
   * The problems of {@code value} against the body schema of {@code operationId} for {@code mediaType}
   * (for a batch operation: one item, e.g. one NDJSON line); empty when it follows the contract.
   * {@code EnvelopeCheckTest} holds tide's hand check to it.
   */
  List<FieldError> checkBody(String operationId, String mediaType, Object value) {
    CompiledOperation operation = operations.get(operationId);
    Validator validator = operation == null ? null : operation.bodyByMediaType().get(mediaType);
    if (validator == null) {
      throw new IllegalArgumentException("the contract has no " + mediaType + " body for " + operationId);
    }
    OutputUnit result = validator.validate(value);
    return Boolean.TRUE.equals(result.getValid()) ? List.of() : ContractErrors.of(result, null);
  }

  private static Validator bodyValidator(CompiledOperation operation, String contentType) {
    String type = contentType == null ? "application/json" : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
    Validator exact = operation.bodyByMediaType().get(type);
    return exact != null ? exact : operation.bodyByMediaType().get("application/json");
  }
}
