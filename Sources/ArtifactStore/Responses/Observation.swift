import Foundation
import GRDB
import HTTPCaching

/// One entry of a URL's fetch history.
public struct Observation: Sendable, Hashable, Codable {
    /// What a fetch of the URL came to.
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// The response was stored, refused by HTTP rules, or refused and archived (as
        /// ``ResponseDisposition``).
        case stored, refused, archived
        /// A 304 that freshened the stored response.
        case notModified = "not-modified"
        /// No complete response (connection error, timeout, truncated body).
        case failed
        /// A gc eviction of the response's body.
        case evicted
    }

    /// When it happened.
    public var at: Date
    /// What the fetch came to.
    public var outcome: Outcome
    /// The response's status code; nil when there was no response.
    public var status: Int?
    /// More about it: refusal codes, an error message, what evicted a body.
    public var detail: String

    /// ``detail`` for people: each recorded refusal code described by its `RefusalReason` (HTTPCaching),
    /// anything else (a note on the page's files, a failure) as written; `; `-separated.
    public var describedDetail: String {
        detail.split(separator: ",").map { RefusalReason(code: String($0), method: "", status: status ?? 0).description }.joined(separator: "; ")
    }
}
