import Foundation
import HTTPCaching

/// What became of a response: kept, refused by HTTP rules, or refused but kept on purpose.
public enum ResponseDisposition: String, Sendable, Hashable, Codable, CaseIterable {
    /// Storable under RFC 9111; its body (if any) is a blob.
    case stored
    /// RFC 9111 forbids storing it (e.g. `no-store`): headers and reasons kept, no body.
    case refused
    /// Refused by HTTP rules, but the store's archive policy kept its body; used only by the
    /// `archive` policy.
    case archived
}
