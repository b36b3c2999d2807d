package io.poseidon.processors.current;

import io.poseidon.schemas.current.WorkflowStep;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.saga.SagaSettings;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/** Settings of current (commit workflows). */
public final class CurrentConfig extends AbstractConfig {

  public static final String ALLOWED_BRANCHES = "current.allowed.branches";
  public static final String PIPELINE_TIMEOUT_MS = "current.pipeline.timeout.ms";
  public static final String DEPLOYMENT_TIMEOUT_MS = "current.deployment.timeout.ms";
  public static final String TIMER_SCAN_INTERVAL_MS = SagaSettings.timerScanIntervalKey(CurrentModule.NAME);
  public static final String RETENTION = SagaSettings.retentionKey(CurrentModule.NAME);
  public static final String TIMELINE_MAX_ENTRIES = "current.timeline.max.entries";

  public static final ConfigDef CONFIG = new ConfigDef()
      .define(ALLOWED_BRANCHES, Type.STRING, ".*", new RegexValidator(), Importance.MEDIUM,
          "Quality check: a pushed commit goes on to the pipeline only if its branch matches this regular "
              + "expression (the whole branch name, e.g. main|release/.*); otherwise its workflow fails at "
              + "QUALITY_CHECKS. The default allows every branch.")
      .define(PIPELINE_TIMEOUT_MS, Type.LONG, Duration.ofHours(2).toMillis(), Range.atLeast(1_000), Importance.MEDIUM,
          "How long a workflow waits for forge to finish its pipeline run. After that the workflow fails at "
              + "PIPELINE and current asks forge to cancel the run.")
      .define(DEPLOYMENT_TIMEOUT_MS, Type.LONG, Duration.ofHours(6).toMillis(), Range.atLeast(1_000), Importance.MEDIUM,
          "How long a workflow waits for harbor to finish its deployment (queueing behind other deployments of "
              + "the service included). After that the workflow fails at DEPLOYMENT and current asks harbor to "
              + "cancel the deployment (harbor rolls back what it changed).")
      .define(TIMELINE_MAX_ENTRIES, Type.INT, 1_000, Range.between(10, 100_000), Importance.LOW,
          "Most events kept in one workflow's timeline (a bound on the size of a current-timeline-store "
              + "value); later events of that workflow are still acted on but no longer recorded.");

  static {
    SagaSettings.defineTimersAndRetention(CONFIG, CurrentModule.NAME, 1_000L, "step timeouts",
        "workflows (with their timelines)");
  }

  private final Pattern allowedBranches;

  public CurrentConfig(ConfigSource source) {
    super(CONFIG, source.values(), false);
    this.allowedBranches = Pattern.compile(getString(ALLOWED_BRANCHES));
  }

  public static CurrentConfig defaults() {
    return new CurrentConfig(ConfigSource.of(Map.of()));
  }

  /** The branch policy of the quality checks. */
  public Pattern allowedBranches() {
    return allowedBranches;
  }

  /** How long the workflow waits in {@code step} (PIPELINE or DEPLOYMENT); null: no timeout. */
  public Duration timeout(WorkflowStep step) {
    return switch (step) {
      case PIPELINE -> Duration.ofMillis(getLong(PIPELINE_TIMEOUT_MS));
      case DEPLOYMENT -> Duration.ofMillis(getLong(DEPLOYMENT_TIMEOUT_MS));
      case QUALITY_CHECKS -> null;
    };
  }

  public Duration timerScanInterval() {
    return SagaSettings.timerScanInterval(this, CurrentModule.NAME);
  }

  /** How long a finished workflow and its timeline stay queryable. */
  public Duration retention() {
    return SagaSettings.retention(this, CurrentModule.NAME);
  }

  public int timelineMaxEntries() {
    return getInt(TIMELINE_MAX_ENTRIES);
  }

  /** Accepts a Java regular expression. */
  private static final class RegexValidator implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      try {
        Pattern.compile(String.valueOf(value));
      } catch (PatternSyntaxException e) {
        throw new ConfigException(name, value, "not a regular expression: " + e.getDescription());
      }
    }

    @Override
    public String toString() {
      return "a Java regular expression";
    }
  }
}
