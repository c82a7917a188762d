import HTTPCaching

/// `debug eval` operations over the HTTPCaching module.
enum HTTPEvalOperations {
    static let all: [any EvalOperation.Type] = [HTTPEvaluateOperation.self]
}

/// `http.evaluate`: one exchange through the RFC 9111 private-cache rules.
///
/// Input:
/// ```json
/// {"op":"http.evaluate",
///  "request":{"method":"GET","url":"https://…","headers":[["Accept","text/html"]]},
///  "response":{"status":200,"headers":[["Cache-Control","max-age=60"]]},
///  "requestTime":1700000000, "responseTime":1700000000, "now":1700000003,
///  "newRequest":{…}}
/// ```
/// Times are Unix seconds (integers; a fractional number is rounded down). `requestTime`
/// defaults to `responseTime`, `newRequest` to `request`, `headers` to `[]`, `method` to `GET`.
///
/// Output: `storable`, `refusalReasons` (stable codes), `freshnessLifetime`, `age` (current age
/// at `now`), `ttl`, `fresh`, `reusable`, `revalidationHeaders`.
/// - `ttl` is `freshnessLifetime - age`, never below zero (as in the caching libraries this
///   contract mirrors); `staleFor` is how long a stale response has been stale (0 when fresh).
/// - `reusable` is the strict RFC 9111 answer for a connected private cache: the response is
///   storable and may answer `newRequest` at `now` without contacting the origin.
/// - `revalidationHeaders` are the conditional headers to send for `newRequest`
///   (`If-None-Match`, `If-Modified-Since`); empty when the response is not storable.
struct HTTPEvaluateOperation: EvalOperation {
    static let name = "http.evaluate"

    struct Input: Decodable {
        var request: HTTPRequestHead
        var response: HTTPResponseHead
        var requestTime: HTTPDate?
        var responseTime: HTTPDate
        var now: HTTPDate
        var newRequest: HTTPRequestHead?

        init(from decoder: any Decoder) throws {
            let object: [String: JSONValue]
            do {
                object = try decoder.singleValueContainer().decode([String: JSONValue].self)
            } catch {
                throw EvalError.invalidInput("http.evaluate input must be a JSON object")
            }
            guard let request = object["request"], request != .null else {
                throw EvalError.invalidInput("missing field \"request\"")
            }
            self.request = try Self.requestHead(request, field: "request")
            guard let response = object["response"], response != .null else {
                throw EvalError.invalidInput("missing field \"response\"")
            }
            self.response = try Self.responseHead(response, field: "response")
            guard let responseTime = object["responseTime"], responseTime != .null else {
                throw EvalError.invalidInput("missing field \"responseTime\" (Unix seconds)")
            }
            self.responseTime = try Self.time(responseTime, field: "responseTime")
            guard let now = object["now"], now != .null else {
                throw EvalError.invalidInput("missing field \"now\" (Unix seconds)")
            }
            self.now = try Self.time(now, field: "now")
            if let requestTime = object["requestTime"], requestTime != .null {
                self.requestTime = try Self.time(requestTime, field: "requestTime")
            }
            if let newRequest = object["newRequest"], newRequest != .null {
                self.newRequest = try Self.requestHead(newRequest, field: "newRequest")
            }
        }

        static func time(_ value: JSONValue, field: String) throws -> HTTPDate {
            switch value {
            case .int(let seconds):
                return HTTPDate(secondsSince1970: Int64(seconds))
            case .double(let seconds) where seconds.isFinite:
                let floored = seconds.rounded(.down)
                guard floored >= -9.2e18, floored <= 9.2e18 else {
                    throw EvalError.invalidInput("\"\(field)\" is out of range: \(seconds)")
                }
                return HTTPDate(secondsSince1970: Int64(floored))
            default:
                throw EvalError.invalidInput("\"\(field)\" must be a number of Unix seconds, got \(describe(value))")
            }
        }

        static func object(_ value: JSONValue, field: String) throws -> [String: JSONValue] {
            guard case .object(let object) = value else {
                throw EvalError.invalidInput("\"\(field)\" must be an object, got \(describe(value))")
            }
            return object
        }

        static func requestHead(_ value: JSONValue, field: String) throws -> HTTPRequestHead {
            let object = try object(value, field: field)
            var method = "GET"
            if let raw = object["method"], raw != .null {
                guard case .string(let text) = raw else {
                    throw EvalError.invalidInput("\"\(field).method\" must be a string, got \(describe(raw))")
                }
                method = text
            }
            guard let rawURL = object["url"], rawURL != .null else {
                throw EvalError.invalidInput("missing field \"\(field).url\"")
            }
            guard case .string(let url) = rawURL else {
                throw EvalError.invalidInput("\"\(field).url\" must be a string, got \(describe(rawURL))")
            }
            return HTTPRequestHead(method: method, url: url, headers: try headers(object["headers"], field: "\(field).headers"))
        }

        static func responseHead(_ value: JSONValue, field: String) throws -> HTTPResponseHead {
            let object = try object(value, field: field)
            guard let rawStatus = object["status"], rawStatus != .null else {
                throw EvalError.invalidInput("missing field \"\(field).status\"")
            }
            guard case .int(let status) = rawStatus else {
                throw EvalError.invalidInput("\"\(field).status\" must be an integer, got \(describe(rawStatus))")
            }
            return HTTPResponseHead(status: status, headers: try headers(object["headers"], field: "\(field).headers"))
        }

        static func headers(_ value: JSONValue?, field: String) throws -> HeaderFields {
            guard let value, value != .null else { return HeaderFields() }
            guard case .array(let lines) = value else {
                throw EvalError.invalidInput("\"\(field)\" must be an array of [name, value] pairs, got \(describe(value))")
            }
            var result = HeaderFields()
            for (index, line) in lines.enumerated() {
                guard case .array(let pair) = line, pair.count == 2,
                      case .string(let name) = pair[0], case .string(let text) = pair[1] else {
                    throw EvalError.invalidInput("\"\(field)[\(index)]\" must be a [name, value] pair of strings, got \(describe(line))")
                }
                result.append(name: name, value: text)
            }
            return result
        }

        static func describe(_ value: JSONValue) -> String {
            switch value {
            case .null: "null"
            case .bool(let flag): "boolean \(flag)"
            case .int(let number): "number \(number)"
            case .double(let number): "number \(number)"
            case .string(let text): "string \"\(text.prefix(40))\""
            case .array(let items): "an array of \(items.count) element(s)"
            case .object: "an object"
            }
        }
    }

    struct Output: Encodable, Equatable {
        var storable: Bool
        var refusalReasons: [String]
        var freshnessLifetime: Int64
        var age: Int64
        var ttl: Int64
        var staleFor: Int64
        var fresh: Bool
        var reusable: Bool
        var revalidationHeaders: [String: String]
    }

    static func evaluate(_ input: Input) throws -> Output {
        let result = PrivateCache().evaluate(
            request: input.request, response: input.response, requestTime: input.requestTime,
            responseTime: input.responseTime, now: input.now, newRequest: input.newRequest)
        var conditional: [String: String] = [:]
        for line in result.revalidationHeaders {
            conditional[line.name] = line.value
        }
        return Output(
            storable: result.storability.isStorable,
            refusalReasons: result.storability.refusalReasons.map(\.code),
            freshnessLifetime: result.freshness.lifetime.seconds,
            age: result.freshness.currentAge,
            ttl: max(0, result.freshness.timeToLive),
            staleFor: result.freshness.timeToLive >= 0 ? 0 : (result.freshness.timeToLive == .min ? .max : -result.freshness.timeToLive),
            fresh: result.freshness.isFresh,
            reusable: result.isReusable,
            revalidationHeaders: conditional)
    }
}
