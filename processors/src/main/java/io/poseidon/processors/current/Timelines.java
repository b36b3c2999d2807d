package io.poseidon.processors.current;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.current.CommitPushed;
import io.poseidon.schemas.current.TimelineEntry;
import io.poseidon.schemas.current.WorkflowCompleted;
import io.poseidon.schemas.current.WorkflowFailed;
import io.poseidon.schemas.current.WorkflowStarted;
import io.poseidon.schemas.current.WorkflowStepChanged;
import io.poseidon.schemas.forge.PipelineRunCancelRequested;
import io.poseidon.schemas.forge.PipelineRunFinished;
import io.poseidon.schemas.forge.PipelineRunRequested;
import io.poseidon.schemas.forge.PipelineRunStarted;
import io.poseidon.schemas.forge.StageStatusChanged;
import io.poseidon.schemas.harbor.DeploymentCancelRequested;
import io.poseidon.schemas.harbor.DeploymentFinished;
import io.poseidon.schemas.harbor.DeploymentQueued;
import io.poseidon.schemas.harbor.DeploymentRequested;
import io.poseidon.schemas.harbor.DeploymentStarted;
import io.poseidon.schemas.harbor.EnvironmentStepChanged;
import io.poseidon.schemas.lighthouse.AlertRaised;
import io.poseidon.schemas.lighthouse.AlertResolved;
import io.poseidon.topology.tracing.Tracing;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * The causal timeline of a workflow: one {@link TimelineEntry} per event (whichever service emitted
 * it), with a one-line summary, de-duplicated by event id and kept in causal order.
 *
 * <p>Causal order: an entry never comes before its cause (the entry whose eventId is its causationId)
 * when the cause is in the timeline, whatever the clocks of the services say; nor before an earlier
 * entry of its own source when its cause is not in the timeline. Apart from that, entries are ordered
 * by time, and entries with the same time keep the order they arrived in (see {@link #causalOrder}).
 */
final class Timelines {

  static final int MAX_SUMMARY_CHARS = 300;

  private Timelines() {}

  /** The entry of an event: its trace id is its traceparent's (the trace the workflow runs in). */
  static TimelineEntry entry(EventMeta meta, SpecificRecord payload) {
    return TimelineEntry.newBuilder()
        .setEventId(meta.getEventId())
        .setCausationId(meta.getCausationId())
        .setType(meta.getType())
        .setSource(meta.getSource())
        .setTime(Instant.ofEpochMilli(meta.getTime().toEpochMilli()))
        .setSummary(summary(payload))
        .setTraceId(Tracing.traceIdOf(meta.getTraceparent()))
        .build();
  }

  /** What happened, in one line: "stage test COMPLETED", "prod DEPLOY FAILED: agent crashed" ... */
  static String summary(SpecificRecord payload) {
    String line = describe(payload);
    return line.length() <= MAX_SUMMARY_CHARS ? line : line.substring(0, MAX_SUMMARY_CHARS - 1) + "…";
  }

  /** Whether {@code entries} hold the event {@code eventId}. */
  static boolean contains(List<TimelineEntry> entries, String eventId) {
    for (TimelineEntry e : entries) {
      if (e.getEventId().equals(eventId)) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code existing} plus those of {@code added} whose event id is new, at most {@code maxEntries} in
   * all (the surplus of {@code added} is left out), in causal order.
   */
  static List<TimelineEntry> merge(List<TimelineEntry> existing, List<TimelineEntry> added, int maxEntries) {
    List<TimelineEntry> all = new ArrayList<>(existing);
    Set<String> ids = new HashSet<>();
    existing.forEach(e -> ids.add(e.getEventId()));
    for (TimelineEntry e : added) {
      if (all.size() >= maxEntries) {
        break;
      }
      if (ids.add(e.getEventId())) {
        all.add(e);
      }
    }
    return causalOrder(all);
  }

  /**
   * Orders entries causes first. Every entry gets at most one predecessor: its cause when the cause
   * is in the timeline; otherwise (the cause is a runner's result, an agent's report, an outside
   * command) the previous entry of the same source by that source's own clock (time, then arrival),
   * unless that entry is itself an effect of this one. Then a topological sort that always takes,
   * among the entries whose predecessor is placed, the one with the earliest <em>effective time</em> —
   * its own time, but never earlier than its predecessor's effective time — ties in arrival order
   * ({@code entries} order). So the timeline reads by time while the clocks of the services agree, and
   * a service whose clock is behind or ahead never puts an effect before its cause. A causation cycle
   * (only possible with forged ids) is entered at its earliest entry.
   */
  static List<TimelineEntry> causalOrder(List<TimelineEntry> entries) {
    int n = entries.size();
    long[] time = new long[n];
    Map<String, Integer> position = new HashMap<>();
    for (int i = 0; i < n; i++) {
      time[i] = entries.get(i).getTime().toEpochMilli();
      position.putIfAbsent(entries.get(i).getEventId(), i);
    }
    Comparator<Integer> byOwnTime = Comparator.<Integer>comparingLong(i -> time[i]).thenComparingInt(i -> i);

    // causes in the timeline (at most one per entry: a forest once cycles are broken)
    int[] predecessor = new int[n];
    for (int i = 0; i < n; i++) {
      String causationId = entries.get(i).getCausationId();
      Integer cause = causationId == null ? null : position.get(causationId);
      predecessor[i] = cause == null || cause == i ? -1 : cause;
    }
    breakCycles(predecessor, byOwnTime);

    // an entry without a cause in the timeline follows the previous entry of its source
    int[] tree = new int[n]; // union-find whose representative is the root of the entry's tree
    for (int i = 0; i < n; i++) {
      tree[i] = predecessor[i] < 0 ? i : predecessor[i];
    }
    Integer[] chronological = new Integer[n];
    for (int i = 0; i < n; i++) {
      chronological[i] = i;
    }
    Arrays.sort(chronological, byOwnTime);
    Map<String, Integer> lastOfSource = new HashMap<>();
    for (int i : chronological) {
      Integer previous = lastOfSource.put(entries.get(i).getSource(), i);
      if (predecessor[i] < 0 && previous != null) {
        int root = root(tree, previous);
        if (root != i) { // else the previous entry descends from this one: no edge, no cycle
          predecessor[i] = previous;
          tree[i] = root;
        }
      }
    }

    List<List<Integer>> successors = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      successors.add(new ArrayList<>(1));
    }
    long[] effective = new long[n];
    PriorityQueue<Integer> ready = new PriorityQueue<>(
        Comparator.<Integer>comparingLong(i -> effective[i]).thenComparingInt(i -> i));
    for (int i = 0; i < n; i++) {
      if (predecessor[i] < 0) {
        effective[i] = time[i];
        ready.add(i);
      } else {
        successors.get(predecessor[i]).add(i);
      }
    }
    List<TimelineEntry> out = new ArrayList<>(n);
    while (!ready.isEmpty()) {
      int next = ready.poll();
      out.add(entries.get(next));
      for (int successor : successors.get(next)) {
        effective[successor] = Math.max(time[successor], effective[next]);
        ready.add(successor);
      }
    }
    return out; // every entry: the predecessors form a forest
  }

  /** Drops the predecessor of the earliest entry of every predecessor cycle. */
  private static void breakCycles(int[] predecessor, Comparator<Integer> byOwnTime) {
    int n = predecessor.length;
    byte[] state = new byte[n]; // 0 unseen, 1 on the current path, 2 done
    List<Integer> path = new ArrayList<>();
    for (int start = 0; start < n; start++) {
      path.clear();
      int v = start;
      while (v >= 0 && state[v] == 0) {
        state[v] = 1;
        path.add(v);
        v = predecessor[v];
      }
      if (v >= 0 && state[v] == 1) {
        int earliest = v;
        for (int k = path.indexOf(v); k < path.size(); k++) {
          if (byOwnTime.compare(path.get(k), earliest) < 0) {
            earliest = path.get(k);
          }
        }
        predecessor[earliest] = -1;
      }
      for (int p : path) {
        state[p] = 2;
      }
    }
  }

  private static int root(int[] tree, int i) {
    while (tree[i] != i) {
      tree[i] = tree[tree[i]];
      i = tree[i];
    }
    return i;
  }

  private static String describe(SpecificRecord payload) {
    if (payload instanceof CommitPushed c) {
      return "commit " + c.getCommit() + " of " + c.getService() + " pushed to " + c.getBranch() + " by "
          + c.getAuthor();
    } else if (payload instanceof WorkflowStarted s) {
      return "workflow started for " + s.getService() + " " + s.getCommit();
    } else if (payload instanceof WorkflowStepChanged s) {
      return s.getStep() + " " + s.getStatus() + (s.getReference() == null ? "" : " (" + s.getReference() + ")")
          + detail(s.getDetail());
    } else if (payload instanceof WorkflowCompleted c) {
      return "workflow COMPLETED: " + c.getService() + " " + c.getCommit() + " deployed by " + c.getDeploymentId();
    } else if (payload instanceof WorkflowFailed f) {
      return "workflow FAILED at " + f.getStep() + ": " + f.getCause();
    } else if (payload instanceof PipelineRunRequested r) {
      return "pipeline run " + r.getRunId() + " requested for " + r.getService() + " " + r.getCommit() + " on "
          + r.getBranch();
    } else if (payload instanceof PipelineRunCancelRequested c) {
      return "cancel of pipeline run " + c.getRunId() + " requested" + detail(c.getReason());
    } else if (payload instanceof PipelineRunStarted s) {
      return "pipeline run " + s.getRunId() + " started: " + String.join(", ", s.getStages());
    } else if (payload instanceof StageStatusChanged s) {
      return "stage " + s.getStage() + " " + s.getStatus() + attempt(s.getAttempt()) + detail(s.getDetail());
    } else if (payload instanceof PipelineRunFinished f) {
      return "pipeline run " + f.getRunId() + " " + f.getStatus() + detail(f.getReason());
    } else if (payload instanceof DeploymentRequested r) {
      return "deployment " + r.getDeploymentId() + " requested: " + r.getService() + " " + r.getVersion() + " to "
          + String.join(", ", r.getEnvironments()) + " (" + r.getStrategy() + ")";
    } else if (payload instanceof DeploymentCancelRequested c) {
      return "cancel of deployment " + c.getDeploymentId() + " requested" + detail(c.getReason());
    } else if (payload instanceof DeploymentQueued q) {
      return "deployment queued behind " + q.getBehind();
    } else if (payload instanceof DeploymentStarted s) {
      return "deployment of " + s.getService() + " " + s.getVersion() + " started: "
          + String.join(", ", s.getEnvironments());
    } else if (payload instanceof EnvironmentStepChanged s) {
      return s.getEnvironment() + " " + s.getAction() + " " + s.getStatus() + attempt(s.getAttempt())
          + detail(s.getDetail());
    } else if (payload instanceof DeploymentFinished f) {
      return "deployment " + f.getStatus() + detail(f.getReason());
    } else if (payload instanceof AlertRaised a) {
      return "alert " + a.getRuleId() + " FIRING (" + a.getSeverity() + ")" + (a.getEnvironment() == null ? ""
          : " in " + a.getEnvironment()) + ": " + a.getStat() + " " + a.getMetric() + " " + number(a.getValue()) + " "
          + io.poseidon.processors.lighthouse.Alerts.symbol(a.getOp()) + " " + number(a.getThreshold());
    } else if (payload instanceof AlertResolved a) {
      return "alert " + a.getRuleId() + " RESOLVED" + (a.getEnvironment() == null ? "" : " in " + a.getEnvironment())
          + detail(a.getReason());
    }
    return payload.getSchema().getName();
  }

  private static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v)
        : String.format(java.util.Locale.ROOT, "%.1f", v);
  }

  private static String detail(String detail) {
    return detail == null || detail.isBlank() ? "" : ": " + detail;
  }

  private static String attempt(int attempt) {
    return attempt > 1 ? " (attempt " + attempt + ")" : "";
  }
}
