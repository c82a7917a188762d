import Foundation
import PythonPackaging

/// A project some recorded page is for (serve's search).
public struct RecordedProject: Sendable, Hashable {
    /// PEP 503-normalized name.
    public var project: String
    /// The page's URL (normalized, without credentials).
    public var pageURL: String
}
