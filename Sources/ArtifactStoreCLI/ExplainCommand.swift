import ArgumentParser
import ArtifactStore
import Foundation
import HTTPCaching

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Tell the story of a URL: what was seen when, stored or refused and why, and what would happen offline.",
        discussion: """
            Reads what the store recorded for URL and answers, for the request described by \
            --accept/--header, whether it can be satisfied under each policy (online, offline, \
            archive), with every reason it cannot and a hint. Exit status 0 when the chosen \
            --policy (default offline) can satisfy it, 1 when it cannot.

            --json prints {"url", "request": {"method", "headers"}, "policy", "satisfiable", \
            "verdicts": {"online"|"offline"|"archive": VERDICT}, "responses": [RESPONSE], \
            "history": [{"at", "outcome", "status", "detail"}]}, where VERDICT is \
            {"satisfiable", "freshness": null|{"state": "fresh"|"stale", "until"|"staleBySeconds", \
            "allowedBecause"}, "bodyDigest", "notes": [...], "reasons": [{"code", "message", "hint"}]} \
            and RESPONSE is {"id", "method", "status", "variant", "disposition", "refusalReasons", \
            "seenAt", "freshnessLifetime", "expiresAt", "appliedCacheControl", "overridePrefix", \
            "bodyDigest", "bodySize", "responseHeaders"}. Times are ISO 8601 UTC.

            EXAMPLE
              artifact-store explain https://download.pytorch.org/whl/cpu/torch/
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "The URL to explain.") var url: String
    @Option(help: "The Accept header of the request to judge (as an installer would send it).") var accept: String?
    @Option(name: .customLong("header"), help: ArgumentHelp("Another request header, as 'Name: value' (repeatable).", valueName: "header")) var headers: [String] = []
    @Option(name: .customLong("policy"), help: "The policy that decides the exit status: online, offline (default, or the config file's) or archive.") var policyOption: CachePolicy?
    var policy: CachePolicy { policyOption ?? ConfigFile.active?.policy ?? .offline }
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        // Bad input is reported before anything is opened.
        var fields = HeaderFields()
        if let accept { fields.append(name: "Accept", value: accept) }
        for field in try HeaderArguments.parse(headers) { fields.append(name: field.name, value: field.value) }
        let store = try storeOptions.openExisting()
        let request = HTTPRequestHead(method: "GET", url: url, headers: fields)
        let normalized = try NormalizedURL(url).text
        var verdicts: [CachePolicy: Verdict] = [:]
        for policy in CachePolicy.allCases { verdicts[policy] = try store.verdict(for: request, policy: policy) }
        let responses = try store.responses(for: url)
        let history = try store.observations(for: url)
        let chosen = verdicts[policy]!

        if json {
            try Output.printJSON(ExplainJSON(url: normalized, request: request, policy: policy, verdicts: verdicts, responses: responses, history: history))
        } else {
            printStory(url: normalized, verdicts: verdicts, responses: responses, history: history)
        }
        if !chosen.isSatisfiable { throw ExitCode(ExitStatus.notFound.rawValue) }
    }

    private func printStory(url: String, verdicts: [CachePolicy: Verdict], responses: [ResponseRecord], history: [Observation]) {
        Output.line(url)
        if history.isEmpty && responses.isEmpty { Output.line("  never fetched") }
        for entry in history {
            let status = entry.status.map { " \($0)" } ?? ""
            let detail = entry.detail.isEmpty ? "" : " (\(entry.describedDetail))"
            Output.line("  \(Timestamp.iso8601(entry.at))  \(entry.outcome.rawValue)\(status)\(detail)")
        }
        for record in responses {
            var line = "  current: \(record.status) \(record.disposition.rawValue)"
            if record.disposition != .refused {
                line += ", fresh until \(Timestamp.iso8601(record.expiresAt)) (lifetime \(VerdictReason.duration(record.freshnessLifetime)))"
            }
            if let applied = record.appliedCacheControl { line += ", Cache-Control overridden to \"\(applied)\" by \(record.overridePrefix ?? "a policy")" }
            if !record.variantKey.isEmpty { line += ", variant \(record.variantKey.replacingOccurrences(of: "\n", with: "; "))" }
            Output.line(line)
            if let server = record.responseHeaders.combinedValue(for: "Cache-Control") { Output.line("    server sent Cache-Control: \(server)") }
        }
        // Policies that agree are said once, with the policies they cover.
        var groups: [(policies: [CachePolicy], lines: [String])] = []
        for policy in CachePolicy.allCases {
            var lines: [String] = []
            switch verdicts[policy]! {
            case .satisfiable(let satisfied):
                lines.append("✔ satisfiable, \(satisfied.freshness.description)")
                lines += satisfied.notes.map { "note: \($0)" }
            case .unsatisfiable(let reasons):
                lines.append("✘ not satisfiable")
                for reason in reasons {
                    lines.append("because [\(reason.code)] \(reason.message)")
                    lines.append("hint: \(reason.hint)")
                }
            }
            if let index = groups.firstIndex(where: { $0.lines == lines }) {
                groups[index].policies.append(policy)
            } else {
                groups.append(([policy], lines))
            }
        }
        for group in groups {
            let label = group.policies.map(\.rawValue).joined(separator: ", ") + ":"
            let indent = String(repeating: " ", count: max(9, label.count + 1))
            Output.line(label.padding(toLength: indent.count, withPad: " ", startingAt: 0) + group.lines[0])
            for line in group.lines.dropFirst() { Output.line(indent + line) }
        }
    }
}

extension CachePolicy: ExpressibleByArgument {}

/// `explain --json`.
private struct ExplainJSON: Encodable {
    var url: String
    var request: RequestJSON
    var policy: String
    var satisfiable: Bool
    var verdicts: [String: VerdictJSON]
    var responses: [ResponseJSON]
    var history: [ObservationJSON]

    init(url: String, request: HTTPRequestHead, policy: CachePolicy, verdicts: [CachePolicy: Verdict], responses: [ResponseRecord], history: [Observation]) {
        self.url = url
        self.request = RequestJSON(method: request.method, headers: request.headers.map { [$0.name, $0.value] })
        self.policy = policy.rawValue
        satisfiable = verdicts[policy]?.isSatisfiable ?? false
        self.verdicts = Dictionary(uniqueKeysWithValues: verdicts.map { ($0.key.rawValue, VerdictJSON($0.value)) })
        self.responses = responses.map(ResponseJSON.init)
        self.history = history.map(ObservationJSON.init)
    }
}

private struct RequestJSON: Encodable {
    var method: String
    var headers: [[String]]
}

struct VerdictJSON: Encodable {
    struct Freshness: Encodable {
        var state: String
        var until: String?
        var staleBySeconds: Int64?
        var allowedBecause: String?
    }
    struct Reason: Encodable { var code, message, hint: String }

    var satisfiable: Bool
    @ExplicitNull var freshness: Freshness? = nil
    @ExplicitNull var bodyDigest: String? = nil
    var notes: [String]
    var reasons: [Reason]

    init(_ verdict: Verdict) {
        switch verdict {
        case .satisfiable(let satisfied):
            satisfiable = true
            switch satisfied.freshness {
            case .fresh(let until): freshness = Freshness(state: "fresh", until: Timestamp.iso8601(until))
            case .stale(let by, let because): freshness = Freshness(state: "stale", staleBySeconds: by, allowedBecause: because)
            }
            bodyDigest = satisfied.record.bodyDigest?.hex
            notes = satisfied.notes
            reasons = []
        case .unsatisfiable(let list):
            satisfiable = false
            notes = []
            reasons = list.map { Reason(code: $0.code, message: $0.message, hint: $0.hint) }
        }
    }

}

struct ResponseJSON: Encodable {
    var id: Int64
    var method: String
    var status: Int
    var variant: String
    var disposition: String
    var refusalReasons: [String]
    var seenAt: String
    var freshnessLifetime: Int64
    var expiresAt: String
    @ExplicitNull var appliedCacheControl: String?
    @ExplicitNull var overridePrefix: String?
    @ExplicitNull var bodyDigest: String?
    @ExplicitNull var bodySize: Int64?
    var responseHeaders: [[String]]

    init(_ record: ResponseRecord) {
        id = record.id
        method = record.method
        status = record.status
        variant = record.variantKey
        disposition = record.disposition.rawValue
        refusalReasons = record.refusalReasons.map(\.code)
        seenAt = Timestamp.iso8601(record.responseTime)
        freshnessLifetime = record.freshnessLifetime
        expiresAt = Timestamp.iso8601(record.expiresAt)
        appliedCacheControl = record.appliedCacheControl
        overridePrefix = record.overridePrefix
        bodyDigest = record.bodyDigest?.hex
        bodySize = record.bodySize
        responseHeaders = record.responseHeaders.map { [$0.name, $0.value] }
    }

}

private struct ObservationJSON: Encodable {
    var at: String
    var outcome: String
    @ExplicitNull var status: Int?
    var detail: String

    init(_ observation: Observation) {
        at = Timestamp.iso8601(observation.at)
        outcome = observation.outcome.rawValue
        status = observation.status
        detail = observation.detail
    }

}
