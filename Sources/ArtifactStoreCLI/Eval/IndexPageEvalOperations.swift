import Foundation
import PythonPackaging

/// `debug eval` operations over the PythonPackaging index-page parser (links, pages).
enum IndexPageEvalOperations {
    static let all: [any EvalOperation.Type] = [LinkResolve.self, PageParse.self, PageParseTiming.self]
}

extension IndexPageEvalOperations {
    /// `link.resolve {pageURL, baseHref?, href}` → `{url, filename, hash: [algorithm, value] | null}`.
    ///
    /// `url` has no fragment; `hash` is the first hash of the fragment that pip would read.
    struct LinkResolve: EvalOperation {
        struct Input: Decodable {
            var pageURL: String
            var baseHref: String?
            var href: String
        }

        static let name = "link.resolve"

        static func evaluate(_ input: Input) throws -> JSONValue {
            let link = LinkResolution.resolveLink(href: input.href, pageURL: input.pageURL, baseHref: input.baseHref)
            return .object([
                "url": .string(link.url),
                "filename": .string(link.filename),
                "hash": link.hash.map { .array([.string($0.algorithm), .string($0.value)]) } ?? .null,
            ])
        }
    }

    /// `page.parse {url, contentType, body | bodyBase64}` → the parsed page, every field present
    /// (explicit `null`s), and `error: null`; or, when the page cannot be read, `error: {code, message}`
    /// with the page fields `null`.
    ///
    /// `contentType` may be `null` (sniffed: `{` means JSON). `bodyBase64` carries bodies that are not
    /// valid UTF-8.
    struct PageParse: EvalOperation {
        struct Input: Decodable {
            var url: String
            var contentType: String?
            var body: String?
            var bodyBase64: String?
        }

        static let name = "page.parse"

        static func evaluate(_ input: Input) throws -> JSONValue {
            let body = try bodyBytes(body: input.body, bodyBase64: input.bodyBase64)
            do {
                let page = try ProjectPage.parse(body: body, contentType: input.contentType, url: input.url)
                return json(page, error: nil)
            } catch {
                return json(nil, error: error)
            }
        }

        static func bodyBytes(body: String?, bodyBase64: String?) throws -> [UInt8] {
            if let bodyBase64 {
                guard let data = Data(base64Encoded: bodyBase64) else { throw EvalError.invalidInput("bodyBase64 is not base64") }
                return Array(data)
            }
            guard let body else { throw EvalError.invalidInput("one of body or bodyBase64 is required") }
            return Array(body.utf8)
        }

        static func json(_ page: ProjectPage?, error: ProjectPageError?) -> JSONValue {
            func hashes(_ dictionary: [String: String]) -> JSONValue { .object(dictionary.mapValues { .string($0) }) }
            let files: JSONValue = page.map { page in
                .array(page.files.map { file in
                    .object([
                        "filename": .string(file.filename),
                        "url": .string(file.url),
                        "hashes": hashes(file.hashes),
                        "requiresPython": .optional(file.requiresPython.map { .string($0) }),
                        "yanked": .bool(file.yanked),
                        "yankedReason": .optional(file.yankedReason.map { .string($0) }),
                        "coreMetadata": .object([
                            "available": .bool(file.coreMetadata.available),
                            "hashes": hashes(file.coreMetadata.hashes),
                        ]),
                        "gpgSig": .optional(file.gpgSig.map { .bool($0) }),
                        "size": .optional(file.size.map { .int($0) }),
                        "uploadTime": .optional(file.uploadTime.map { .string($0) }),
                    ])
                })
            } ?? .null
            return .object([
                "format": .optional(page.map { .string($0.format.rawValue) }),
                "apiVersion": .optional(page?.apiVersion.map { .string($0.description) }),
                "name": .optional(page?.name.map { .string($0) }),
                "versions": .optional(page?.versions.map { .array($0.map { .string($0) }) }),
                "files": files,
                "warnings": .optional(page.map { .array($0.warnings.map { .object(["code": .string($0.code), "message": .string($0.message)]) }) }),
                "error": .optional(error.map { .object(["code": .string($0.code), "message": .string($0.description)]) }),
            ])
        }
    }

    /// `page.parse.timing {url, contentType, body | bodyBase64, iterations?}` → `{iterations, bodyBytes,
    /// files, medianMillis, minMillis, maxMillis}`: parses the page `iterations` times (default 10) and
    /// reports wall-clock timings, for scripts/bench-page-parse.sh. Not deterministic, by nature.
    struct PageParseTiming: EvalOperation {
        struct Input: Decodable {
            var url: String
            var contentType: String?
            var body: String?
            var bodyBase64: String?
            var iterations: Int?
        }

        static let name = "page.parse.timing"

        static func evaluate(_ input: Input) throws -> JSONValue {
            let body = try PageParse.bodyBytes(body: input.body, bodyBase64: input.bodyBase64)
            let iterations = max(1, min(input.iterations ?? 10, 1000))
            var millis: [Double] = []
            var fileCount = 0
            let clock = ContinuousClock()
            for _ in 0..<iterations {
                var page: ProjectPage?
                let elapsed = try clock.measure {
                    page = try ProjectPage.parse(body: body, contentType: input.contentType, url: input.url)
                }
                fileCount = page?.files.count ?? 0
                let (seconds, attoseconds) = elapsed.components
                millis.append(Double(seconds) * 1000 + Double(attoseconds) / 1e15)
            }
            millis.sort()
            let median = millis.count % 2 == 1 ? millis[millis.count / 2] : (millis[millis.count / 2 - 1] + millis[millis.count / 2]) / 2
            return .object([
                "iterations": .int(iterations),
                "bodyBytes": .int(body.count),
                "files": .int(fileCount),
                "medianMillis": .double(median),
                "minMillis": .double(millis.first!),
                "maxMillis": .double(millis.last!),
            ])
        }
    }
}
