// Compatibility tags (PEP 425, "Platform compatibility tags" specification).

/// One `interpreter-abi-platform` triple such as `cp311-cp311-manylinux_2_17_x86_64`.
///
/// Like `packaging.tags.Tag`, the three parts are lowercased (Python `str.lower()`) on creation.
public struct Tag: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Interpreter, e.g. `cp311`, `py3`, `pp310`.
    public let interpreter: String
    /// ABI, e.g. `cp311`, `abi3`, `none`.
    public let abi: String
    /// Platform, e.g. `manylinux_2_17_x86_64`, `win_amd64`, `any`.
    public let platform: String

    /// Creates a tag; the three parts are lowercased.
    public init(interpreter: String, abi: String, platform: String) {
        self.interpreter = PythonText.lower(interpreter)
        self.abi = PythonText.lower(abi)
        self.platform = PythonText.lower(platform)
    }

    /// `interpreter-abi-platform`.
    public var description: String { "\(interpreter)-\(abi)-\(platform)" }

    /// Code-point equality of the three parts (as Python compares strings).
    public static func == (lhs: Tag, rhs: Tag) -> Bool {
        PythonText.equal(lhs.interpreter, rhs.interpreter) && PythonText.equal(lhs.abi, rhs.abi)
            && PythonText.equal(lhs.platform, rhs.platform)
    }

    /// Hashes the three parts' UTF-8 bytes, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(Array(interpreter.utf8))
        hasher.combine(Array(abi.utf8))
        hasher.combine(Array(platform.utf8))
    }

    /// Orders by interpreter, then ABI, then platform, each by code point (Python tuple order).
    public static func < (lhs: Tag, rhs: Tag) -> Bool {
        if !PythonText.equal(lhs.interpreter, rhs.interpreter) {
            return PythonText.codePointLess(lhs.interpreter, rhs.interpreter)
        }
        if !PythonText.equal(lhs.abi, rhs.abi) { return PythonText.codePointLess(lhs.abi, rhs.abi) }
        return PythonText.codePointLess(lhs.platform, rhs.platform)
    }

    /// Expands a possibly compressed tag set (`py2.py3-none-any` → two tags), like
    /// `packaging.tags.parse_tag`. Returns `nil` unless there are exactly three `-`-separated
    /// parts. Empty dot-separated components are kept (packaging does not validate them).
    public static func parseCompressed(_ text: String) -> Set<Tag>? {
        let parts = text.utf8.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        func components(_ part: Substring.UTF8View) -> [String] {
            part.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
        }
        var tags = Set<Tag>()
        for interpreter in components(parts[0]) {
            for abi in components(parts[1]) {
                for platform in components(parts[2]) {
                    tags.insert(Tag(interpreter: interpreter, abi: abi, platform: platform))
                }
            }
        }
        return tags
    }
}
