import ArtifactStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PythonPackaging
import Synchronization

/// How `serve` answered one request: the access log's `outcome` and the `/-/status` counters.
public enum ServeOutcome: String, Sendable, Hashable, CaseIterable, Codable {
    /// From the store without asking the upstream (fresh, or a file known by its digest).
    case hit
    /// The stored copy, confirmed by the upstream with `304 Not Modified`.
    case revalidated
    /// Downloaded from the upstream just now (and recorded).
    case fetched
    /// The upstream failed (or `--offline`): the stored copy, however stale.
    case staleFallback = "stale-fallback"
    /// The upstream failed (or `--offline`): the archived body of a response HTTP rules refused
    /// (a `no-store` page), kept for exactly this.
    case archivedFallback = "archived-fallback"
    /// Nothing could be served: the problem document says why.
    case refused
    /// The upstream says there is no such project or file.
    case notFound = "not-found"
    /// A redirect to the canonical path (PEP 503 name normalization, trailing slash).
    case redirect
    /// The server's own routes (`/-/health`, `/-/status`, `304`s of rendered pages).
    case local
}

extension ServeOutcome {
    /// The outcome of an online fetch: from the store, confirmed by a 304, or downloaded.
    init(_ source: FetchResult.Source) {
        switch source {
        case .store: self = .hit
        case .revalidated: self = .revalidated
        case .network: self = .fetched
        }
    }
}

/// An RFC 9457 problem document, sent as `application/problem+json`.
struct Problem: Error, Sendable {
    /// The status of "the store cannot answer this and the upstream cannot either":
    /// `424 Failed Dependency` (RFC 4918 §11.4), chosen by what the real clients do with it. uv
    /// prints a problem document's title and detail ("Server message: …") and stops at once for
    /// a 4xx other than 401/403/404; it skips a 404 page silently to the next index (losing the
    /// reason) and retries a 5xx three times with backoff (7–10 s). pip shows a file's status
    /// line, so the reason code is in the reason phrase too. 424 is not heuristically cacheable
    /// (RFC 9110 §15.1), so no client cache keeps it.
    static let unservableStatus = 424

    /// The HTTP status.
    var status: Int
    /// A stable reason code (`never-fetched`, `refused`, `upstream-unavailable`, …).
    var code: String
    /// A short summary, also put in the status line's reason phrase (pip shows only that).
    var title: String
    /// The whole story: the store's verdict sentence and its hint.
    var detail: String
    /// Every verdict reason, when a verdict was asked.
    var reasons: [VerdictReason] = []
    /// The upstream URL concerned (without credentials).
    var url: String?
    var outcome: ServeOutcome = .refused

    /// A problem from a store verdict. The title is the first reason's code and what it means
    /// here (`never-fetched: not in the store, and the server is offline`); the detail is its
    /// sentence and a hint that names the upstream URL, then any further reasons with their codes.
    /// uv prints both as "Server message: TITLE, DETAIL".
    init(status: Int, verdict reasons: [VerdictReason], url: String, offline: Bool, summary: String) {
        let first = reasons.first
        self.status = status
        code = first?.code ?? "unsatisfiable"
        title = "\(code): \(summary)"
        var detail = first.map { "\($0.message). Hint: \(Self.hint(for: $0, url: url, offline: offline))" } ?? "the store has no answer for \(url)"
        for other in reasons.dropFirst() { detail += ". Also [\(other.code)]: \(other.message)" }
        self.detail = detail
        self.reasons = reasons
        self.url = url
    }

    /// The verdict's hint, said for someone who installs through `serve`.
    static func hint(for reason: VerdictReason, url: String, offline: Bool) -> String {
        guard case .neverFetched = reason else { return reason.hint }
        return offline
            ? "install it once through serve while \(url) can be reached (serve without --offline), or run `artifact-store fetch \(url)`; it is then stored for offline use"
            : "\(url) could not be reached and nothing is stored for it; try again once it answers"
    }

    init(status: Int, code: String, title: String, detail: String, url: String? = nil, outcome: ServeOutcome = .refused) {
        self.status = status
        self.code = code
        self.title = "\(code): \(title)"
        self.detail = detail
        self.url = url
        self.outcome = outcome
    }

    var response: Response {
        var body = #"{"type":"urn:artifact-store:problem:"# + code + #"","title":"# + SimplePageWriter.jsonString(title)
        body += #","status":"# + String(status) + #","detail":"# + SimplePageWriter.jsonString(detail)
        body += #","code":"# + SimplePageWriter.jsonString(code)
        if let url { body += #","url":"# + SimplePageWriter.jsonString(url) }
        body += #","reasons":["#
        body += reasons.map { #"{"code":"# + SimplePageWriter.jsonString($0.code) + #","message":"# + SimplePageWriter.jsonString($0.message) + #","hint":"# + SimplePageWriter.jsonString($0.hint) + "}" }.joined(separator: ",")
        body += "]}\n"
        var headers: HTTPFields = [.contentType: "application/problem+json", .cacheControl: "no-store"]
        headers[ServeHeaders.outcome] = outcome.rawValue
        let status = HTTPResponse.Status(code: status, reasonPhrase: Self.reasonPhrase(title))
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// A reason phrase is visible ASCII and spaces (RFC 9112 §4); keep it short.
    static func reasonPhrase(_ text: String) -> String {
        let visible = text.unicodeScalars.map { ($0.value >= 0x20 && $0.value < 0x7F) ? Character($0) : "?" }
        return String(String(visible).prefix(120))
    }
}

/// The header fields `serve` adds to its answers.
enum ServeHeaders {
    /// `hit`, `fetched`, `stale-fallback`, … (a ``ServeOutcome``).
    static let outcome = HTTPField.Name("X-Artifact-Store-Outcome")!
    /// On a fallback: why the upstream could not be used.
    static let fallbackReason = HTTPField.Name("X-Artifact-Store-Fallback-Reason")!
    /// The digest of the body served (files).
    static let digest = HTTPField.Name("X-Artifact-Store-Digest")!
}

/// Request counters by outcome and each upstream's last success and failure, for `/-/status`.
final class ServeStatistics: Sendable {
    struct UpstreamHealth: Sendable {
        var lastSuccess: Date?
        var lastFailure: Date?
        var lastFailureMessage: String?
    }

    /// A request refused with a problem document, for the overview's list.
    struct Refusal: Sendable {
        var at: Date
        var path: String
        var code: String
        var detail: String
    }

    /// Per-minute counts of outcomes over the last hour.
    struct MinuteCounts: Sendable {
        /// Minutes since 1970.
        var minute: Int64
        var counts: [ServeOutcome: Int]
    }

    /// How many minutes ``recentMinutes(at:)`` covers, and how many refusals are kept.
    static let minutesKept = 60
    static let refusalsKept = 20

    private struct State {
        var counts: [ServeOutcome: Int] = [:]
        var upstreams: [String: UpstreamHealth] = [:]
        /// A ring of per-minute buckets, indexed by minute modulo ``minutesKept``.
        var buckets = [MinuteCounts](repeating: MinuteCounts(minute: -1, counts: [:]), count: ServeStatistics.minutesKept)
        var refusals: [Refusal] = []
    }

    private let state = Mutex(State())
    let startedAt = Date()

    func count(_ outcome: ServeOutcome, at date: Date = Date()) {
        let minute = Int64((date.timeIntervalSince1970 / 60).rounded(.down))
        let slot = Int(minute % Int64(Self.minutesKept))
        state.withLock {
            $0.counts[outcome, default: 0] += 1
            if $0.buckets[slot].minute != minute { $0.buckets[slot] = MinuteCounts(minute: minute, counts: [:]) }
            $0.buckets[slot].counts[outcome, default: 0] += 1
        }
    }

    /// Remembers a refused request (the newest ``refusalsKept``).
    func refused(path: String, code: String, detail: String, at date: Date = Date()) {
        state.withLock {
            $0.refusals.append(Refusal(at: date, path: path, code: code, detail: detail))
            if $0.refusals.count > Self.refusalsKept { $0.refusals.removeFirst($0.refusals.count - Self.refusalsKept) }
        }
    }

    /// The newest refusals first.
    var recentRefusals: [Refusal] { state.withLock { $0.refusals.reversed() } }

    /// The last ``minutesKept`` minutes up to the one containing `date`, oldest first, a bucket
    /// for every minute (empty ones too).
    func recentMinutes(at date: Date = Date()) -> [MinuteCounts] {
        let now = Int64((date.timeIntervalSince1970 / 60).rounded(.down))
        return state.withLock { state in
            (0..<Int64(Self.minutesKept)).reversed().map { back in
                let minute = now - back
                let bucket = state.buckets[Int(((minute % Int64(Self.minutesKept)) + Int64(Self.minutesKept)) % Int64(Self.minutesKept))]
                return bucket.minute == minute ? bucket : MinuteCounts(minute: minute, counts: [:])
            }
        }
    }

    func upstreamAnswered(_ index: String) {
        state.withLock { $0.upstreams[index, default: UpstreamHealth()].lastSuccess = Date() }
    }

    func upstreamFailed(_ index: String, _ message: String) {
        state.withLock {
            $0.upstreams[index, default: UpstreamHealth()].lastFailure = Date()
            $0.upstreams[index, default: UpstreamHealth()].lastFailureMessage = message
        }
    }

    var counts: [ServeOutcome: Int] { state.withLock { $0.counts } }
    func health(_ index: String) -> UpstreamHealth { state.withLock { $0.upstreams[index] ?? UpstreamHealth() } }
}

/// A small least-recently-used map, safe to share.
final class LRUCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct State {
        var entries: [Key: (value: Value, stamp: UInt64)] = [:]
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    subscript(key: Key) -> Value? {
        state.withLock { state in
            guard let entry = state.entries[key] else { return nil }
            state.clock += 1
            state.entries[key] = (entry.value, state.clock)
            return entry.value
        }
    }

    func set(_ key: Key, _ value: Value) {
        state.withLock { state in
            state.clock += 1
            state.entries[key] = (value, state.clock)
            if state.entries.count > capacity, let oldest = state.entries.min(by: { $0.value.stamp < $1.value.stamp })?.key {
                state.entries.removeValue(forKey: oldest)
            }
        }
    }
}

/// Blob files verified whole in the last few minutes, by identity: a `Range` request for one of
/// them, unchanged since (same device, inode, size, mtime), is served without hashing the whole
/// file again (ARCHITECTURE.md §7).
final class RecentlyVerified: Sendable {
    /// How long a whole verification vouches for an unchanged file.
    static let lifetime: Duration = .seconds(300)
    private let verified = LRUCache<BlobDigest, (BlobFileIdentity, ContinuousClock.Instant)>(capacity: 4096)

    func note(_ identity: BlobFileIdentity, digest: BlobDigest) {
        verified.set(digest, (identity, .now))
    }

    func wasVerified(_ identity: BlobFileIdentity, digest: BlobDigest) -> Bool {
        guard let (known, at) = verified[digest] else { return false }
        return known == identity && ContinuousClock.now - at < Self.lifetime
    }
}

/// Runs one operation per key at a time: concurrent callers for the same key share its result
/// (one upstream download for 50 requests of one file). The operation runs in a task of its own,
/// so a caller that goes away does not cancel it for the others.
final class SingleFlight<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let running = Mutex<[Key: Task<Value, any Error>]>([:])
    /// Where the operations run (``BlockingCallExecutor``); nil: Swift concurrency's pool.
    private let executor: BlockingCallExecutor?

    init(executor: BlockingCallExecutor?) {
        self.executor = executor
    }

    func run(_ key: Key, _ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let task = running.withLock { running -> Task<Value, any Error> in
            if let task = running[key] { return task }
            let task = Task(executorPreference: executor) { try await operation() }
            running[key] = task
            return task
        }
        defer { running.withLock { running in if running[key] == task { running.removeValue(forKey: key) } } }
        return try await task.value
    }
}

/// The access log: one line per request on standard error.
public enum AccessLogFormat: String, Sendable, CaseIterable {
    /// `TIME METHOD PATH STATUS BYTES MS OUTCOME`, space-separated.
    case text
    /// One JSON object per line: `time`, `method`, `path`, `status`, `bytes`, `ms`, `outcome`.
    case json
}

struct AccessLog: Sendable {
    var format: AccessLogFormat
    var enabled: Bool

    func write(method: String, path: String, status: Int, bytes: Int, milliseconds: Double, outcome: ServeOutcome) {
        guard enabled else { return }
        let time = Timestamp.iso8601(Int64(Date().timeIntervalSince1970))
        let ms = String(format: "%.1f", milliseconds)
        let safePath = RecordedURL.redacted(String(path.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) }))
        let line: String
        switch format {
        case .text:
            line = "\(time) \(method) \(safePath) \(status) \(bytes) \(ms)ms \(outcome.rawValue)\n"
        case .json:
            line = #"{"time":"\#(time)","method":\#(SimplePageWriter.jsonString(method)),"path":\#(SimplePageWriter.jsonString(safePath)),"status":\#(status),"bytes":\#(bytes),"ms":\#(ms),"outcome":"\#(outcome.rawValue)"}"# + "\n"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// A warning line, in the access log's format (`TIME warning MESSAGE`, or a JSON object with
    /// `time`, `level` and `message`), written even when the access log is off.
    func warning(_ message: String) {
        let time = Timestamp.iso8601(Int64(Date().timeIntervalSince1970))
        let text = RecordedURL.redacted(String(message.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) }))
        let line: String
        switch format {
        case .text: line = "\(time) warning \(text)\n"
        case .json: line = #"{"time":"\#(time)","level":"warning","message":\#(SimplePageWriter.jsonString(text))}"# + "\n"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }
}
