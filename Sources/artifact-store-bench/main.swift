import ArgumentParser
import ArtifactStore

/// The benchmarks' drivers: a program of their own, built beside `artifact-store` but not part
/// of it, so the shipped binary carries no benchmark code. The `scripts/bench-*.sh` scripts run
/// it and end with their one JSON line of figures, baselines and targets.
struct BenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifact-store-bench",
        abstract: "Drive artifact-store's benchmarks (scripts/bench-*.sh run these).",
        subcommands: [LookupBenchmark.self, SmallBenchmark.self, ContentionBenchmark.self, InlineBodiesBenchmark.self])
}

// As `artifact-store` does, before any store opens.
Store.turnOffSQLiteMemoryStatistics()
BenchmarkCommand.main()
