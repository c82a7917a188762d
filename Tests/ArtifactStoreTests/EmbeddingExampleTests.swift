import ArtifactStore
import Foundation
import HTTPCaching
import Testing
import TestSupport

// The code between the two `embedding-example` markers is the example of the article
// Sources/ArtifactStore/ArtifactStore.docc/EmbeddingInAnInstaller.md, line for line: change both
// together (.ci/run's docs step compares them and fails when they differ).

// embedding-example: begin
/// Records one download the way an installer does: ask the store whether the body is worth
/// keeping, stream it into a blob if so, then record the exchange, kept or refused.
@discardableResult
func recordDownload(_ store: Store, url: String, status: Int = 200, headers: HeaderFields, body: [UInt8]) throws -> ResponseRecord {
    let request = HTTPRequestHead(method: "GET", url: url)
    let sent = Date()
    // … the installer sends `request`; the response head arrives:
    let response = HTTPResponseHead(status: status, headers: headers)
    let received = Date()

    if case .keepBody = try store.recordingPlan(request: request, response: response) {
        let writer = try store.makeBlobWriter()
        try writer.write(body)        // once per chunk as the body arrives
        // Published and recorded by one commit; `expecting:` when the index page gave a sha256.
        return try store.record(request: request, response: response, committing: writer, requestTime: sent, responseTime: received).record
    }
    return try store.record(request: request, response: response, body: nil, requestTime: sent, responseTime: received)
}

/// Opens (or creates) a store, records a wheel the index lets caches keep and a project page it
/// marks `no-store`, then asks what could be answered with no network.
func embeddingExample(storeDirectory: URL) throws -> (wheel: Verdict, page: Verdict) {
    let store = try Store.open(at: storeDirectory)

    let wheelURL = "https://files.example.org/packages/demo-1.0-py3-none-any.whl"
    let pageURL = "https://files.example.org/simple/demo/"
    try recordDownload(store, url: wheelURL, headers: ["Cache-Control": "max-age=31536000, immutable"],
                       body: Array("the wheel's bytes".utf8))
    try recordDownload(store, url: pageURL, headers: ["Cache-Control": "no-store", "Content-Type": "text/html"],
                       body: Array("<a href='/packages/demo-1.0-py3-none-any.whl'>demo-1.0-py3-none-any.whl</a>".utf8))

    // Later, offline: can each request be answered from the store, and if not, why not?
    let wheel = try store.verdict(for: HTTPRequestHead(url: wheelURL), policy: .offline)
    let page = try store.verdict(for: HTTPRequestHead(url: pageURL), policy: .offline)
    return (wheel, page)
}

/// One line per verdict, as an installer would show it.
func describe(_ verdict: Verdict) -> String {
    switch verdict {
    case .satisfiable(let hit):
        return "answered from blob \(hit.record.bodyDigest?.hex ?? "-")"
    case .unsatisfiable(let reasons):
        return reasons.map { "[\($0.code)] \($0.message); hint: \($0.hint)" }.joined(separator: "\n")
    }
}
// embedding-example: end

@Suite("The embedding example of the documentation")
struct EmbeddingExampleTests {
    @Test("the wheel is answered offline from its blob; the no-store page is refused, with the reason")
    func embeddingExampleVerdicts() throws {
        let directory = try TemporaryDirectory()
        let storeDirectory = directory.url.appending(path: "store")
        let (wheel, page) = try embeddingExample(storeDirectory: storeDirectory)

        let hit = try #require(wheel.satisfied, "the wheel should be answerable offline: \(describe(wheel))")
        guard case .fresh = hit.freshness else {
            Issue.record("a wheel kept for a year should be fresh right after it was recorded: \(hit.freshness)")
            return
        }
        let digest = try #require(hit.record.bodyDigest)
        let store = try Store.open(at: storeDirectory)
        #expect(try store.read(digest) == Array("the wheel's bytes".utf8))
        #expect(describe(wheel) == "answered from blob \(digest.hex)")

        #expect(!page.isSatisfiable)
        #expect(page.reasons.map(\.code) == ["refused"])
        #expect(describe(page).contains("no-store"))
        #expect(try store.responses(for: "https://files.example.org/simple/demo/").first?.bodyDigest == nil,
                "a refused page keeps no body")
    }
}
