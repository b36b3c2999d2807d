package io.poseidon.processors.forge;

import java.util.List;
import java.util.Map;

/**
 * The pipeline every run goes through: {@code build}, then {@code test} and {@code security} in
 * parallel, then {@code publish}. A stage is ready when every stage it needs has COMPLETED.
 */
public final class PipelineStages {

  public static final String BUILD = "build";
  public static final String TEST = "test";
  public static final String SECURITY = "security";
  public static final String PUBLISH = "publish";

  /** Stages in pipeline order (the order of {@code PipelineRun.stages}). */
  public static final List<String> ALL = List.of(BUILD, TEST, SECURITY, PUBLISH);

  private static final Map<String, List<String>> NEEDS = Map.of(
      BUILD, List.of(),
      TEST, List.of(BUILD),
      SECURITY, List.of(BUILD),
      PUBLISH, List.of(TEST, SECURITY));

  /** Metric of the test stage that the coverage gate reads (0-1). */
  public static final String COVERAGE_METRIC = "coverage";
  /** Metric of the security stage that the vulnerability gate reads. */
  public static final String CRITICAL_VULNERABILITIES_METRIC = "criticalVulnerabilities";

  private PipelineStages() {}

  public static boolean isStage(String stage) {
    return NEEDS.containsKey(stage);
  }

  /** The stages that must have COMPLETED before {@code stage} may start. */
  public static List<String> needs(String stage) {
    List<String> needs = NEEDS.get(stage);
    if (needs == null) {
      throw new IllegalArgumentException("not a pipeline stage: " + stage);
    }
    return needs;
  }
}
