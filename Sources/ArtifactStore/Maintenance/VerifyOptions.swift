import Foundation

/// Settings for ``Store/verify(_:)``.
public struct VerifyOptions: Sendable {
    /// Fix what can be fixed: quarantine bad files (never delete them), mark rows whose file is
    /// gone, adopt intact orphan files, detach responses from missing blobs.
    public var repair = false
    /// The fraction of blobs to re-hash, in (0, 1]; rows and files are still compared for all.
    public var sample: Double = 1
    /// How many threads hash at once (default: every core).
    public var concurrency = ProcessInfo.processInfo.activeProcessorCount
    /// Called after each batch (about 1/256 of the store) with how far the run has got.
    public var progress: (@Sendable (VerifyProgress) -> Void)?

    /// Creates options; by default every blob is re-hashed and nothing is repaired.
    public init(repair: Bool = false, sample: Double = 1, progress: (@Sendable (VerifyProgress) -> Void)? = nil) {
        self.repair = repair
        self.sample = sample
        self.progress = progress
    }
}
