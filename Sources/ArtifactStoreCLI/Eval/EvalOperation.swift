import Foundation

/// One operation of `artifact-store debug eval`: a pure function from a JSON object to a JSON object.
///
/// An operation decodes its input from the whole input line (so it sees `"op"` and `"id"` too and
/// simply ignores them), and encodes its output as a JSON object. The driver adds `"id"` when the
/// input had one. Throw ``EvalError`` for bad input that decoded but makes no sense.
protocol EvalOperation: SendableMetatype {
    associatedtype Input: Decodable
    associatedtype Output: Encodable
    /// The `"op"` value that selects this operation, e.g. `"http.evaluate"`.
    static var name: String { get }
    static func evaluate(_ input: Input) throws -> Output
}

/// An error reported for a single input line; the run goes on with the next line.
struct EvalError: Error, Equatable {
    /// A stable, machine-readable code such as `"invalid-input"` or `"unknown-op"`.
    var code: String
    var message: String

    static func invalidInput(_ message: String) -> EvalError {
        EvalError(code: "invalid-input", message: message)
    }
}

/// A JSON value of any shape, for inputs and outputs whose shape is not a fixed struct
/// (heterogeneous arrays such as `["rc", 1]`, explicit `null`s, echoed ids).
enum JSONValue: Codable, Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue {
    /// `.null` for `nil`, else the wrapped value.
    static func optional(_ value: JSONValue?) -> JSONValue { value ?? .null }
}
