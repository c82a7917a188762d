// Project (distribution) names: PEP 503 normalization and the core-metadata `Name` rules, exactly as
// `packaging.utils.canonicalize_name` / `is_normalized_name` apply them.

/// Normalizes a project name the way PEP 503 §"Normalized Names" does:
/// lowercase, then every run of `-`, `_` and `.` becomes a single `-`.
///
/// No validation is done (like `packaging.utils.canonicalize_name(name)`): any string has a
/// normalized form. Use ``ProjectName/isValid(_:)`` to check the name first.
///
///     normalizedProjectName("Foo.Bar__baz") == "foo-bar-baz"
public func normalizedProjectName(_ name: String) -> String {
    ProjectName.normalize(name)
}

/// A normalized project name (PEP 503), usable as a dictionary key for "the same project".
///
/// Two spellings that normalize alike (`Django`, `django`; `zope.interface`, `zope-interface`)
/// produce equal values.
public struct ProjectName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The normalized form, e.g. `oslo-concurrency` for `oslo.concurrency`.
    public let normalized: String

    /// Normalizes any string (no validity check), like `canonicalize_name(name)`.
    public init(_ name: String) {
        normalized = ProjectName.normalize(name)
    }

    /// Normalizes a name after checking it is a valid distribution name, like
    /// `canonicalize_name(name, validate=True)`; `nil` when it is not valid.
    public init?(validating name: String) {
        guard ProjectName.isValid(name) else { return nil }
        self.init(name)
    }

    /// The normalized name.
    public var description: String { normalized }

    /// Code-point equality, as in Python (not Swift's canonical equivalence).
    public static func == (lhs: ProjectName, rhs: ProjectName) -> Bool {
        PythonText.equal(lhs.normalized, rhs.normalized)
    }

    /// Hashes the normalized name's UTF-8 bytes, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(Array(normalized.utf8))
    }

    /// Orders by the normalized names' Unicode code points, as Python compares strings.
    public static func < (lhs: ProjectName, rhs: ProjectName) -> Bool {
        PythonText.codePointLess(lhs.normalized, rhs.normalized)
    }

    /// PEP 503 normalization: `re.sub(r"[-_.]+", "-", name).lower()` (Python's `str.lower()`, so
    /// non-ASCII letters are lowercased too).
    public static func normalize(_ name: String) -> String {
        let lowered = PythonText.lower(name)
        var result = String.UnicodeScalarView()
        var lastWasSeparator = false
        for scalar in lowered.unicodeScalars {
            if scalar == "-" || scalar == "_" || scalar == "." {
                if !lastWasSeparator { result.append("-") }
                lastWasSeparator = true
            } else {
                result.append(scalar)
                lastWasSeparator = false
            }
        }
        return String(result)
    }

    /// Whether `name` is a valid distribution name per the core metadata `Name` field:
    /// ASCII letters and digits, with `.`, `_`, `-` allowed only in the middle
    /// (`packaging`'s `^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`, case-insensitive).
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, let last = bytes.last else { return false }
        guard isASCIIAlphanumeric(first), isASCIIAlphanumeric(last) else { return false }
        return bytes.allSatisfy { isASCIIAlphanumeric($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
    }

    /// Whether `name` is already in normalized form, like `packaging.utils.is_normalized_name`:
    /// lowercase ASCII letters, digits and single `-` (never leading or trailing).
    ///
    /// This mirrors packaging's regular expression to the letter, including its one quirk: the
    /// "no `--`" look-ahead is only checked after the second character onwards, so `a--b` (a double
    /// dash right after the first character) is reported as normalized, as packaging 26.2 does.
    public static func isNormalized(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, isLowerAlphanumeric(first) else { return false }
        if bytes.count == 1 { return true }
        guard isLowerAlphanumeric(bytes[bytes.count - 1]) else { return false }
        for index in 1..<(bytes.count - 1) {
            guard isLowerAlphanumeric(bytes[index]) || bytes[index] == 0x2D else { return false }
            if index + 2 < bytes.count, bytes[index + 1] == 0x2D, bytes[index + 2] == 0x2D { return false }
        }
        return true
    }

    private static func isASCIIAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A)
    }
}
