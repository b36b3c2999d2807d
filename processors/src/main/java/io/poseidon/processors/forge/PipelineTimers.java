package io.poseidon.processors.forge;

/**
 * The durable timers of a run, kept in {@code forge-timer-store} ({@link io.poseidon.topology.timers.TimerIndex}).
 * A {@code PipelineRun} has no timer fields: a timer names everything it needs in its id,
 * {@code <runId>|<stage>|<kind>|<attempt>|<causationId>}, and acts only if the stage is still in the
 * state that armed it (same attempt, RUNNING for a timeout, RETRYING for a retry). A stage reaches a
 * given (status, attempt) once per run, so a timer can never be taken for a later one: timers of
 * stages that moved on are not cancelled, they fire later and change nothing (and leave the store).
 * {@code causationId} is the event a timer-driven transition names as its cause.
 */
final class PipelineTimers {

  enum Kind {
    /** The runner did not answer a stage attempt in time. Cause: the {@code RunStage} command. */
    STAGE_TIMEOUT("stage-timeout"),
    /** Backoff before the next attempt of a stage is over. Cause: the {@code StageFailed} it retries. */
    STAGE_RETRY("stage-retry");

    final String label;

    Kind(String label) {
      this.label = label;
    }

    static Kind of(String label) {
      for (Kind k : values()) {
        if (k.label.equals(label)) {
          return k;
        }
      }
      return null;
    }
  }

  /** A timer id taken apart; null fields never (an id that does not parse is {@code null}). */
  record Timer(String runId, String stage, Kind kind, int attempt, String causationId) {
    String id() {
      return runId + '|' + stage + '|' + kind.label + '|' + attempt + '|' + causationId;
    }
  }

  private PipelineTimers() {}

  /** The timer {@code id} names, or null when it is not a forge timer id. */
  static Timer parse(String id) {
    String[] parts = id.split("\\|", -1);
    if (parts.length != 5) {
      return null;
    }
    Kind kind = Kind.of(parts[2]);
    if (kind == null) {
      return null;
    }
    try {
      return new Timer(parts[0], parts[1], kind, Integer.parseInt(parts[3]), parts[4]);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
