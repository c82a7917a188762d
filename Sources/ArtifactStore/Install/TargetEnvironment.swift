import Foundation
import PythonPackaging

/// The interpreter and platform a requirement is judged for: the tags it supports, best first,
/// and its Python version (for `Requires-Python`).
public struct TargetEnvironment: Sendable, Hashable {
    /// The interpreter version, e.g. `[3, 11]` or `[3, 11, 7]` (`Requires-Python` is checked against it).
    public var pythonVersion: [Int]
    /// The supported tags, best first.
    public var supportedTags: SupportedTags
    /// For people: `CPython 3.11 on manylinux_2_28_x86_64`.
    public var summary: String
    /// The command-line options that describe this environment (used in hints), e.g.
    /// `--python 3.11 --platform manylinux_2_28_x86_64`; empty for "this machine".
    public var commandLineOptions: String
    /// The PEP 508 marker variables (lock files' and `Requires-Dist` markers are evaluated with them).
    public var markerEnvironment: MarkerEnvironment

    /// An environment described explicitly (see `PythonEnvironment` and `Platforms.expand(_:)` in PythonPackaging).
    public init(_ environment: PythonEnvironment, summary: String? = nil, commandLineOptions: String = "") {
        pythonVersion = environment.pythonVersion
        supportedTags = SupportedTags(environment: environment)
        let name = switch environment.implementation {
        case .cpython: "CPython"
        case .pypy: "PyPy"
        case .other: environment.interpreter
        }
        self.summary = summary ?? "\(name) \(environment.pythonVersion.map(String.init).joined(separator: ".")) on \(environment.platforms.first ?? "no platform")"
        self.commandLineOptions = commandLineOptions
        markerEnvironment = MarkerEnvironment(environment)
    }

    /// An environment given by its tag list (e.g. `packaging.tags.sys_tags()` of an interpreter).
    public init(pythonVersion: [Int], tags: [Tag], markerEnvironment: MarkerEnvironment, summary: String, commandLineOptions: String = "") {
        self.pythonVersion = pythonVersion
        supportedTags = SupportedTags(tags: tags)
        self.markerEnvironment = markerEnvironment
        self.summary = summary
        self.commandLineOptions = commandLineOptions
    }

    var pythonVersionText: String { pythonVersion.map(String.init).joined(separator: ".") }
}
