import Foundation
import PythonPackaging

/// The shape of a directory built from stored wheels.
public enum ExportLayout: String, Sendable, Hashable, CaseIterable {
    /// Files side by side plus an `index.html`: `pip install --no-index --find-links DIR …`.
    case findLinks = "find-links"
    /// A PEP 503 tree, `DIR/index.html` and `DIR/<project>/index.html` beside the files:
    /// `pip install --index-url file:///DIR/ …`.
    case simple
}
