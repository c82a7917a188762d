import TOMLKit

/// A parsed TOML document as plain Swift values, so the lock parsers never hold TOMLKit's
/// reference types (TOMLKit wraps toml++ and does the parsing; this only converts).
struct TOMLDocument {
    indirect enum Node: Sendable, Hashable {
        case string(String), int(Int), double(Double), bool(Bool)
        case array([Node]), table([String: Node])
        /// Dates and times: lock files use them only for upload times, which the store ignores.
        case dateTime

        var string: String? { if case .string(let value) = self { value } else { nil } }
        var int: Int? { if case .int(let value) = self { value } else { nil } }
        var array: [Node]? { if case .array(let value) = self { value } else { nil } }
        var table: [String: Node]? { if case .table(let value) = self { value } else { nil } }
    }

    var root: [String: Node]

    init(_ text: String, path: String) throws(LockFileError) {
        do {
            let table = try TOMLTable(string: text)
            root = Self.convert(table)
        } catch let error as TOMLParseError {
            throw LockFileError(path: path, line: error.source.begin.line, "is not valid TOML (column \(error.source.begin.column): \(error.description))")
        } catch {
            throw LockFileError(path: path, "is not valid TOML (\(error))")
        }
    }

    private static func convert(_ table: TOMLTable) -> [String: Node] {
        var result: [String: Node] = [:]
        for (key, value) in table { result[key] = convert(value) }
        return result
    }

    private static func convert(_ value: TOMLValueConvertible) -> Node {
        switch value.type {
        case .table: return .table(value.table.map(convert) ?? [:])
        case .array: return .array(value.array.map { $0.map(convert) } ?? [])
        case .string: return .string(value.string ?? "")
        case .int: return .int(value.int ?? 0)
        case .double: return .double(value.double ?? 0)
        case .bool: return .bool(value.bool ?? false)
        case .date, .time, .dateTime: return .dateTime
        }
    }
}

/// Reads typed fields of one table, with messages that name where in the file it is.
struct FieldReader {
    var table: [String: TOMLDocument.Node]
    /// e.g. `package #3 (numpy)`.
    var context: String
    var path: String

    func string(_ key: String) throws(LockFileError) -> String? {
        guard let node = table[key] else { return nil }
        guard let value = node.string else { throw LockFileError(path: path, "\(context): \(key) must be a string") }
        return value
    }

    func requiredString(_ key: String) throws(LockFileError) -> String {
        guard let value = try string(key), !value.isEmpty else { throw LockFileError(path: path, "\(context): \(key) is missing") }
        return value
    }

    func tables(_ key: String) throws(LockFileError) -> [[String: TOMLDocument.Node]] {
        guard let node = table[key] else { return [] }
        guard let items = node.array else { throw LockFileError(path: path, "\(context): \(key) must be an array of tables") }
        var tables: [[String: TOMLDocument.Node]] = []
        for item in items {
            guard let value = item.table else { throw LockFileError(path: path, "\(context): every entry of \(key) must be a table") }
            tables.append(value)
        }
        return tables
    }

    func table(_ key: String) throws(LockFileError) -> [String: TOMLDocument.Node]? {
        guard let node = table[key] else { return nil }
        guard let value = node.table else { throw LockFileError(path: path, "\(context): \(key) must be a table") }
        return value
    }

    func size(_ key: String) throws(LockFileError) -> Int64? {
        guard let node = table[key] else { return nil }
        guard let value = node.int, value >= 0 else { throw LockFileError(path: path, "\(context): \(key) must be a non-negative integer") }
        return Int64(value)
    }
}
