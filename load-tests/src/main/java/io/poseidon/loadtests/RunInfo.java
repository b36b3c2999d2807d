package io.poseidon.loadtests;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;

/** Where and how a benchmark run happened. */
public record RunInfo(String benchmark, ZonedDateTime started, Duration runTime, ProcessStats.Machine machine,
    BenchmarkOptions options, String workload, Duration stackStartup, Duration nodeStartup, List<String> jvmWarmupProblems, CpuUsage idle,
    String nodeSetup) {}
