// One libFuzzer entry point; FUZZ_TARGET picks the parser (scripts/fuzz.sh runs each in turn).
// Every target must return for any input: no crash, no trap, no hang (libFuzzer's -timeout).

import ArtifactStore
import Foundation
import HTTPCaching
import PythonPackaging

/// The parsers under test, by name.
let targets: [String: @Sendable ([UInt8]) -> Void] = [
    // URLs: the store's normalization, PEP 503 link resolution.
    "url": { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? NormalizedURL(text).text
        _ = CacheKey.normalizedURL(text)
        let reference = URIReference(parsing: text)
        _ = reference.resolved(against: URIReference(parsing: "https://pypi.org/simple/torch/")).string
        _ = LinkResolution.resolveLink(href: text, pageURL: "https://download.pytorch.org/whl/cpu/torch/")
    },
    // Header fields as the cache reads them: Cache-Control, dates, and a whole exchange.
    "headers": { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(separator: "\n").prefix(64).map { line -> (String, String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts.first ?? ""), parts.count > 1 ? String(parts[1]) : "")
        }
        let headers = HeaderFields(lines)
        let response = HTTPResponseHead(status: 200, headers: headers)
        let request = HTTPRequestHead(method: "GET", url: "https://pypi.org/simple/x/", headers: headers)
        let now = HTTPDate(secondsSince1970: 1_700_000_000)
        let exchange = StoredExchange(request: request, response: response, requestTime: now, responseTime: now)
        let cache = PrivateCache()
        _ = cache.storability(request: request, response: response)
        _ = cache.reuse(exchange, for: request, now: now)
        _ = ReuseSummary(exchange, cache: cache)
    },
    "cache-control": { bytes in
        _ = CacheControl(fieldValues: [String(decoding: bytes, as: UTF8.self)])
    },
    "http-date": { bytes in
        _ = HTTPDate.parse(String(decoding: bytes, as: UTF8.self), relativeTo: HTTPDate(secondsSince1970: 1_700_000_000))
    },
    "page-html": { bytes in
        _ = try? ProjectPage.parse(body: bytes, contentType: "text/html", url: "https://pypi.org/simple/torch/")
        _ = try? ProjectList.parse(body: bytes, contentType: "text/html")
    },
    "page-json": { bytes in
        _ = try? ProjectPage.parse(body: bytes, contentType: "application/vnd.pypi.simple.v1+json", url: "https://pypi.org/simple/torch/")
        _ = try? ProjectList.parse(body: bytes, contentType: "application/vnd.pypi.simple.v1+json")
    },
    "pep440": { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        let halves = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        if let version = Version(halves[0]) {
            _ = version.description
            if halves.count > 1, let specifiers = SpecifierSet(halves[1]) { _ = specifiers.contains(version) }
        }
        _ = SpecifierSet(text)
        _ = WheelFilename(text)
        _ = SimpleContentType.negotiate(accept: text)
    },
    "pep508": { bytes in
        _ = try? InstallRequirement(parsing: String(decoding: bytes, as: UTF8.self))
    },
    // PEP 508 environment markers: parse, evaluate both ways, and the canonical form parses back.
    "marker": { bytes in
        guard let marker = Marker(String(decoding: bytes, as: UTF8.self)) else { return }
        let environment = MarkerEnvironment(.cpython(3, 11, platforms: ["manylinux_2_28_x86_64"]))
        _ = marker.evaluate(environment, extras: ["test", "Foo_Bar"], dependencyGroups: ["dev"])
        _ = try? marker.evaluateStrictly(environment)
        let canonical = marker.description
        // Escapes can make the canonical form longer than the length bound; below it, it must reparse.
        if canonical.unicodeScalars.count <= Marker.maximumLength, Marker(canonical) != marker {
            fatalError("the canonical form of a marker does not parse back to it: \(canonical.debugDescription)")
        }
    },
]

/// libFuzzer's callback: one input.
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    selected(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// The target FUZZ_TARGET names, looked up once.
let selected: @Sendable ([UInt8]) -> Void = {
    let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    guard let target = targets[name] else {
        FileHandle.standardError.write(Data("FUZZ_TARGET must be one of: \(targets.keys.sorted().joined(separator: ", "))\n".utf8))
        exit(2)
    }
    return target
}()
