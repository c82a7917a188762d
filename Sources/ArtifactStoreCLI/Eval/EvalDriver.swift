import Foundation

/// Dispatches `debug eval` input lines to their ``EvalOperation``s.
struct EvalDriver {
    static let operations: [any EvalOperation.Type] =
        HTTPEvalOperations.all + PackagingEvalOperations.all + IndexPageEvalOperations.all

    static var operationNames: [String] { operations.map { $0.name }.sorted() }

    private let operationsByName: [String: any EvalOperation.Type] =
        Dictionary(EvalDriver.operations.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    /// The fields every input line may carry.
    private struct Envelope: Decodable {
        var op: JSONValue?
        var id: JSONValue?
    }

    /// Evaluates one input line and returns the output line (without its newline).
    func evaluate(line: Data) -> Data {
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: line)
        } catch {
            return encode(EvalError(code: "invalid-json", message: "the line is not a JSON object: \(describe(error))"), id: nil)
        }
        guard case .string(let name)? = envelope.op else {
            return encode(EvalError(code: "missing-op", message: "the object has no \"op\" string; known ops: \(Self.operationNames.joined(separator: ", "))"), id: envelope.id)
        }
        guard let operation = operationsByName[name] else {
            return encode(EvalError(code: "unknown-op", message: "unknown op \"\(name)\"; known ops: \(Self.operationNames.joined(separator: ", "))"), id: envelope.id)
        }
        do {
            return try run(operation, line: line, id: envelope.id)
        } catch let error as EvalError {
            return encode(error, id: envelope.id)
        } catch {
            return encode(EvalError.invalidInput("bad input for \(name): \(describe(error))"), id: envelope.id)
        }
    }

    private func run<Operation: EvalOperation>(_ operation: Operation.Type, line: Data, id: JSONValue?) throws -> Data {
        let input = try JSONDecoder().decode(Operation.Input.self, from: line)
        let output = try Operation.evaluate(input)
        return try Self.encoder.encode(Reply(id: id, body: output))
    }

    private func encode(_ error: EvalError, id: JSONValue?) -> Data {
        struct ErrorBody: Encodable {
            var error: Detail
            struct Detail: Encodable { var code: String; var message: String }
        }
        let body = ErrorBody(error: .init(code: error.code, message: error.message))
        // Encoding these plain values cannot fail.
        return (try? Self.encoder.encode(Reply(id: id ?? .null, body: body))) ?? Data("{}".utf8)
    }

    /// A decoding error in words a script author can act on: the path of the offending field.
    private func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return path.isEmpty ? "" : " at \(path.hasPrefix(".") ? String(path.dropFirst()) : path)"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field \"\(key.stringValue)\"\(path(context))"
        case .typeMismatch(let type, let context): return "expected \(type)\(path(context)): \(context.debugDescription)"
        case .valueNotFound(let type, let context): return "expected \(type), found null\(path(context))"
        case .dataCorrupted(let context): return "\(context.debugDescription)\(path(context))"
        @unknown default: return "\(error)"
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

/// An op's output object with the input's `id` added (when there was one).
private struct Reply<Body: Encodable>: Encodable {
    var id: JSONValue?
    var body: Body

    private struct IDKey: CodingKey {
        var stringValue: String { "id" }
        var intValue: Int? { nil }
        init() {}
        init?(stringValue: String) { nil }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        try body.encode(to: encoder)
        if let id {
            var container = encoder.container(keyedBy: IDKey.self)
            try container.encode(id, forKey: IDKey())
        }
    }
}
