import Testing
@testable import HTTPCaching

/// 2023-11-14T22:13:20Z.
let t0 = HTTPDate(secondsSince1970: 1_700_000_000)

func at(_ offset: Int64) -> HTTPDate { t0.adding(seconds: offset) }

/// `Date` header value for `t0 + offset`.
func dateString(_ offset: Int64) -> String { at(offset).imfFixdate }

func headers(_ pairs: [(String, String)]) -> HeaderFields { HeaderFields(pairs) }

func get(_ url: String = "https://example.org/simple/torch/", _ pairs: [(String, String)] = []) -> HTTPRequestHead {
    HTTPRequestHead(method: "GET", url: url, headers: HeaderFields(pairs))
}

func response(_ status: Int = 200, _ pairs: [(String, String)] = []) -> HTTPResponseHead {
    HTTPResponseHead(status: status, headers: HeaderFields(pairs))
}

func stored(_ request: HTTPRequestHead = get(), _ response: HTTPResponseHead,
            requestTime: HTTPDate = t0, responseTime: HTTPDate = t0) -> StoredExchange {
    StoredExchange(request: request, response: response, requestTime: requestTime, responseTime: responseTime)
}

/// A named table row, shown by Swift Testing as the rule it checks.
struct Case<Input: Sendable, Expected: Sendable>: Sendable, CustomTestStringConvertible {
    var name: String
    var input: Input
    var expected: Expected
    init(_ name: String, _ input: Input, _ expected: Expected) {
        self.name = name
        self.input = input
        self.expected = expected
    }
    var testDescription: String { name }
}

import Foundation

enum JSONEncoderShim {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
