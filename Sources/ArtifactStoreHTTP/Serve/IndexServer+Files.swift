import ArtifactStore
import Foundation
import HTTPCaching
import HTTPTypes
import Hummingbird
import NIOCore
import PythonPackaging

extension IndexServer {
    /// A distribution file (or its PEP 658 sidecar) that the index's page for `project` lists.
    /// Only URLs a recorded page listed are ever fetched: the server is not an open proxy.
    func file(_ request: Request, indexName: String, project: String, filename: String, metadata: Bool) async throws -> (Response, ServeOutcome) {
        let index = try index(named: indexName)
        let normalized = ProjectName.normalize(project)
        let parsed = try await listingPage(index: index, project: normalized)
        guard let listed = parsed.filesByName[filename] else {
            throw Problem(status: 404, code: "not-listed", title: "the page of \(normalized) lists no \(filename)",
                          detail: "\(index.projectPageURL(normalized)) does not list \(filename); only files a page lists are served",
                          outcome: .notFound)
        }
        let url = metadata ? listed.url + ".metadata" : listed.url
        let hashes = metadata ? listed.coreMetadata.hashes : listed.hashes
        let expected = try Self.expectedDigest(hashes, url: url)
        if metadata && !listed.coreMetadata.available {
            // Not advertised: there is nothing to ask the upstream for by that name.
            throw Problem(status: 404, code: "no-metadata", title: "\(filename) has no separate metadata",
                          detail: "the page does not advertise PEP 658 metadata for \(filename); read it from the file itself", url: url, outcome: .notFound)
        }

        // Content addressing: any stored blob with the announced digest is this file.
        // Opening it is the check (I1: its row, not quarantined; its file here or in the remote
        // blobs): one lookup. A blob that cannot be opened is fetched again.
        if let expected, let reader = try? store.open(expected) {
            return try blobResponse(request, reader: reader, outcome: .hit, bindsToHash: true, fallbackReason: nil)
        }
        let fetch = FetchRequest(url: index.fetchURL(forLinked: url), expectedDigest: expected)
        var failure: String
        if configuration.offline {
            failure = "the server runs --offline"
        } else {
            var joined: DownloadProgress?
            do {
                let (task, progress) = downloads.join(url) { [client] progress in
                    try await client.fetch(fetch, mode: .online, progress: { progress.received($0, expected: $1) }, bodyFile: { progress.bodyFile($0, expected: $1) })
                }
                joined = progress
                let snapshot = await progress.bodyFileOrEnd()
                // Large files are streamed while they download (a client's read timeout must
                // not fire before the first byte); small ones are awaited, so that a failure can
                // still be told with a problem document.
                if let path = snapshot.path, !snapshot.finished, request.headers[.range] == nil, (snapshot.expected ?? .max) > Self.streamingThreshold {
                    statistics.upstreamAnswered(index.name)
                    return (followingResponse(request, path: path, url: url, expected: expected, length: snapshot.expected, task: task, progress: progress), .fetched)
                }
                let result = try await task.value
                if case .store = result.source {} else { statistics.upstreamAnswered(index.name) }
                return try fileResponse(request, result, expected: expected, outcome: ServeOutcome(result.source), fallbackReason: nil)
            } catch let error as FetchError {
                switch error {
                case .store(let storeError):
                    // The store failed, not the upstream: its blob storage or metadata database
                    // cannot be reached, or a disk is full. When the upstream's bytes arrived and
                    // are the file the page announced, they are served all the same, unstored.
                    if let expected, let joined, let response = unstoredFileResponse(request, progress: joined, expected: expected, url: url, reason: storeError) {
                        statistics.upstreamAnswered(index.name)
                        return (response, .fetched)
                    }
                    throw Problem(storeError, url: url)
                case .digestMismatch:
                    statistics.upstreamFailed(index.name, error.description)
                    throw Problem(status: 502, code: "hash-mismatch", title: "the upstream sent a file that does not match its page's hash",
                                  detail: error.description + "; nothing was stored or served", url: url)
                default:
                    failure = error.description
                    statistics.upstreamFailed(index.name, failure)
                }
            }
        }
        do {
            let result = try await client.fetch(fetch, mode: fallbackMode)
            let outcome: ServeOutcome = result.record.disposition == .archived ? .archivedFallback : (configuration.offline ? .hit : .staleFallback)
            return try fileResponse(request, result, expected: expected, outcome: outcome, fallbackReason: failure)
        } catch FetchError.unsatisfiable(let url, let reasons) {
            throw Problem(status: Problem.unservableStatus, verdict: reasons, url: url, offline: configuration.offline,
                          summary: configuration.offline ? "\(filename) is not in the store, and the server is offline" : "the upstream failed (\(failure)) and the store cannot answer")
        }
    }

    /// The page that lists a project's files: the stored (or archived) copy when there is one,
    /// so that downloading a file never refetches a `no-store` page; else the page fetched now.
    func listingPage(index: UpstreamIndex, project: String) async throws -> ParsedPage {
        let url = index.projectPageURL(project)
        let request = FetchRequest(url: url, headers: Self.upstreamPageHeaders)
        if let result = try? await client.fetch(request, mode: fallbackMode), result.status == 200, case .stored(let digest, _) = result.body {
            let answer = PageAnswer(body: PageKey(digest: digest, url: result.url), contentType: result.headers.combinedValue(for: "Content-Type"),
                                    outcome: .hit, fallbackReason: nil, upstreamAnswering: false)
            if let parsed = try? parsedPage(answer, project: project) { return parsed }
        }
        let answer = try await pageAnswer(index: index, url: url)
        return try parsedPage(answer, project: project)
    }

    /// The SHA-256 a page announced, binding when present: a malformed one makes the file
    /// unservable rather than trusted by its URL.
    static func expectedDigest(_ hashes: [String: String], url: String) throws -> BlobDigest? {
        guard let value = hashes["sha256"] else {
            if let (algorithm, _) = hashes.sorted(by: { $0.key < $1.key }).first {
                throw Problem(status: 502, code: "hash-unverifiable", title: "the page gives only a \(algorithm) hash",
                              detail: "the index page gives only \(algorithm) for \(url); the store checks sha256, and a hash that is present binds, so the file is not served unverified. Ask the index to publish sha256 hashes", url: url)
            }
            return nil
        }
        guard let digest = try? BlobDigest(validating: value.lowercased()) else {
            throw Problem(status: 502, code: "hash-unusable", title: "the page gives a malformed sha256",
                          detail: "the index page gives sha256 \"\(Problem.reasonPhrase(value))\" for \(url), which is not 64 hex digits; the file cannot be verified, so it is not served", url: url)
        }
        return digest
    }

    private func fileResponse(_ request: Request, _ result: FetchResult, expected: BlobDigest?, outcome: ServeOutcome, fallbackReason: String?) throws -> (Response, ServeOutcome) {
        switch result.status {
        case 200:
            guard case .stored(let digest, _) = result.body else {
                throw Problem(status: 502, code: "file-not-kept", title: "the upstream file was not kept",
                              detail: "the store did not keep the body of \(result.url) (\(result.record.refusalReasons.map(\.code).joined(separator: ", ")))", url: result.url)
            }
            if let expected, digest != expected {
                throw Problem(status: 502, code: "hash-mismatch", title: "the stored file does not match its page's hash",
                              detail: "\(result.url) is stored as \(digest.hex) but the page announces \(expected.hex); fetch it again while the upstream is up", url: result.url)
            }
            return try blobResponse(request, digest: digest, outcome: outcome, bindsToHash: expected != nil, fallbackReason: fallbackReason)
        default:
            throw Problem(notA200: result, standingFor: "file")
        }
    }

    /// A file the upstream sent but the store could not keep (`reason`), served from the
    /// download's body file when that has exactly the digest the page announced: the store's
    /// failure (its bucket or database down) does not stop an install while the upstream
    /// answers. Nothing is recorded; a warning line says so, and so does the
    /// `X-Artifact-Store-Fallback-Reason` header. The whole file, whatever `Range` asked
    /// (RFC 9110 lets a server ignore it). Nil when the bytes cannot be vouched for.
    private func unstoredFileResponse(_ request: Request, progress: DownloadProgress, expected: BlobDigest, url: String, reason: StoreError) -> Response? {
        guard let size = progress.unstoredBodySize(matching: expected) else { return nil }
        warnUnstored(url: url, reason: reason)
        var headers: HTTPFields = [.contentType: "application/octet-stream", .cacheControl: "max-age=365000000, immutable", .eTag: "\"sha256-\(expected.hex)\""]
        headers[ServeHeaders.outcome] = ServeOutcome.fetched.rawValue
        headers[ServeHeaders.digest] = "sha256=" + expected.hex
        headers[ServeHeaders.fallbackReason] = Problem.reasonPhrase("not stored: " + reason.message)
        if request.method == .head {
            headers[.contentLength] = String(size)
            return Response(status: .ok, headers: headers)
        }
        // Verified whole just now, and nothing writes to the file any more.
        return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: Int(size)) { writer in
            var sent: Int64 = 0
            while sent < size {
                guard let chunk = progress.readBody(at: sent, upTo: Self.chunkSize), !chunk.isEmpty else { throw FetchError.store(reason) }
                sent += Int64(chunk.count)
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        })
    }

    /// The warning for a file served without being stored.
    func warnUnstored(url: String, reason: StoreError) {
        accessLog.warning("served \(url) as the upstream sent it, verified against the sha256 of its page, but did not store it: \(reason.message)")
    }

    /// A file being downloaded, streamed to the client as the store writes it (see
    /// ``DownloadFollower``): a client is never kept waiting for the whole file before its first
    /// byte, and never receives a complete wrong file.
    private func followingResponse(_ request: Request, path: String, url: String, expected: BlobDigest?, length: Int64?,
                                   task: Task<FetchResult, any Error>, progress: DownloadProgress) -> Response {
        var headers: HTTPFields = [.contentType: "application/octet-stream", .cacheControl: expected != nil ? "max-age=365000000, immutable" : "max-age=0, must-revalidate"]
        headers[ServeHeaders.outcome] = ServeOutcome.fetched.rawValue
        if let expected {
            headers[.eTag] = "\"sha256-\(expected.hex)\""
            headers[ServeHeaders.digest] = "sha256=" + expected.hex
        }
        if let length { headers[.contentLength] = String(length) }
        if request.method == .head { return Response(status: .ok, headers: headers) }
        let follower = DownloadFollower(progress: progress, task: task, path: path, expected: expected, length: length, accept: { result in
            guard result.status == 200, case .stored(let digest, let size) = result.body, expected == nil || digest == expected,
                  length == nil || size == length
            else {
                throw Problem(status: 502, code: "download-failed", title: "the download did not end with the announced file", detail: result.url)
            }
        }, unstored: { [self] reason in warnUnstored(url: url, reason: reason) })
        return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: length.map { Int($0) }) { writer in
            try await follower.send(to: &writer)
        })
    }

    // MARK: - Serving blobs

    /// Chunks of this size are read and sent.
    static let chunkSize = 1 << 20
    /// Files larger than this (or of unknown size) are streamed to clients while they download.
    static let streamingThreshold: Int64 = 1 << 20

    /// A stored blob as an HTTP answer: verified while it is sent (the last chunk is held back
    /// until the digest is confirmed, so a client never receives a complete wrong file), with a
    /// strong entity tag, `HEAD`, and single `Range` requests (verified in full first).
    func blobResponse(_ request: Request, digest: BlobDigest, outcome: ServeOutcome, bindsToHash: Bool, fallbackReason: String?) throws -> (Response, ServeOutcome) {
        let reader: BlobReader
        do {
            reader = try store.open(digest)
        } catch let error as StoreError {
            throw Problem(error, url: nil)
        }
        return try blobResponse(request, reader: reader, outcome: outcome, bindsToHash: bindsToHash, fallbackReason: fallbackReason)
    }

    /// ``blobResponse(_:digest:outcome:bindsToHash:fallbackReason:)`` for a blob already open.
    func blobResponse(_ request: Request, reader: BlobReader, outcome: ServeOutcome, bindsToHash: Bool, fallbackReason: String?) throws -> (Response, ServeOutcome) {
        let digest = reader.digest
        let size = reader.size
        let etag = "\"sha256-\(digest.hex)\""
        var headers: HTTPFields = [
            .contentType: "application/octet-stream",
            .eTag: etag,
            .acceptRanges: "bytes",
            // The bytes behind a URL that a page binds to a hash never change.
            .cacheControl: bindsToHash ? "max-age=365000000, immutable" : "max-age=0, must-revalidate",
        ]
        headers[ServeHeaders.outcome] = outcome.rawValue
        headers[ServeHeaders.digest] = "sha256=" + digest.hex
        if let fallbackReason { headers[ServeHeaders.fallbackReason] = Problem.reasonPhrase(fallbackReason) }

        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag || $0.trimmingCharacters(in: .whitespaces) == "*" }) {
            reader.close()
            return (Response(status: .notModified, headers: headers), outcome)
        }
        var range = ByteRangeRequest(header: request.headers[.range], size: size)
        if let ifRange = request.headers[.ifRange], ifRange.trimmingCharacters(in: .whitespaces) != etag {
            // RFC 9110 §13.1.5: a validator that does not match (or a date) means the whole file.
            range = .whole
        }
        if request.method == .head {
            reader.close()
            headers[.contentLength] = String(size)
            return (Response(status: .ok, headers: headers), outcome)
        }
        switch range {
        case .unsatisfiable:
            reader.close()
            headers[.contentRange] = "bytes */\(size)"
            headers[.contentLength] = "0"
            return (Response(status: .rangeNotSatisfiable, headers: headers), outcome)
        case .partial(let first, let last):
            // A range cannot be verified on its own: the whole file is, unless this very file
            // (same inode, size and mtime) was verified whole a moment ago; pip and uv ask for
            // several ranges of one wheel in a row.
            do {
                if recentlyVerified.wasVerified(reader.identity, digest: digest) {
                    try reader.seekWithoutVerifying(to: first)
                } else {
                    try reader.verifyAndRewind()
                    recentlyVerified.note(reader.identity, digest: digest)
                    try reader.seek(to: first)
                }
            } catch let error as StoreError {
                throw Problem(error, url: nil)
            }
            headers[.contentRange] = "bytes \(first)-\(last)/\(size)"
            let length = last - first + 1
            let sender = BlobSender(reader: reader)
            return (Response(status: .partialContent, headers: headers, body: ResponseBody(contentLength: Int(length)) { writer in
                try await sender.sendVerified(remaining: length, to: &writer)
            }), outcome)
        case .whole:
            let sender = BlobSender(reader: reader)
            let (identity, recentlyVerified) = (reader.identity, self.recentlyVerified)
            return (Response(status: .ok, headers: headers, body: ResponseBody(contentLength: Int(size)) { writer in
                try await sender.sendVerifyingAtEnd(to: &writer)
                recentlyVerified.note(identity, digest: digest)
            }), outcome)
        }
    }
}

/// Streams one open blob into a response body.
final class BlobSender: @unchecked Sendable {
    // A BlobReader is used by one task at a time: the response body's writer.
    private let reader: BlobReader

    init(reader: BlobReader) {
        self.reader = reader
    }

    deinit { reader.close() }

    /// Sends the whole blob, holding back each chunk until the next is read: the last one goes
    /// out only once the reader has confirmed the digest, and a mismatch (the blob is then
    /// quarantined) aborts the response short of its `Content-Length`.
    func sendVerifyingAtEnd(to writer: inout any ResponseBodyWriter) async throws {
        var held = try readChunk()
        while held.readableBytes > 0 {
            let next = try readChunk()
            try await writer.write(held)
            held = next
        }
        reader.close()
        try await writer.finish(nil)
    }

    /// Sends `remaining` bytes from the current position of a blob already verified in full.
    func sendVerified(remaining: Int64, to writer: inout any ResponseBodyWriter) async throws {
        var left = remaining
        while left > 0 {
            var chunk = try readChunk(limit: Int(min(Int64(IndexServer.chunkSize), left)))
            guard chunk.readableBytes > 0 else { break }
            if Int64(chunk.readableBytes) > left { chunk = chunk.getSlice(at: chunk.readerIndex, length: Int(left))! }
            left -= Int64(chunk.readableBytes)
            try await writer.write(chunk)
        }
        reader.close()
        try await writer.finish(nil)
    }

    private func readChunk(limit: Int = IndexServer.chunkSize) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: limit)
        var total = 0
        // Fill the chunk: a short read is not the end; a zero read is (and verifies).
        while total < limit {
            let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { bytes in
                try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[..<min(bytes.count, limit - total)]))
            }
            if count == 0 { break }
            total += count
        }
        return buffer
    }
}
