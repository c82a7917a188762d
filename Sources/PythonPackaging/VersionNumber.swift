// Arbitrary-size non-negative integers as they appear in versions and build tags.
//
// PEP 440 puts no bound on numeric components and `packaging` uses Python's unbounded `int`, so
// `1.99999999999999999999999` is a valid version that compares greater than `1.9`. Rather than
// reject or crash, a component that does not fit in `Int` is kept as its canonical decimal digit
// string (leading zeros stripped) and compared by length, then lexically: exactly the numeric order.

/// A non-negative integer of any size, as found in a version component or a wheel build number.
public struct VersionNumber: Sendable, Hashable, Comparable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    /// Canonical storage: `.small` whenever the value fits in `Int`, `.large` (decimal digits, no
    /// leading zero) only when it does not. Canonical storage makes synthesized `Hashable` correct.
    enum Storage: Sendable, Hashable {
        case small(Int)
        case large(String)
    }

    let storage: Storage

    /// Zero.
    public static let zero = VersionNumber(0)

    /// Wraps a non-negative `Int`. Negative values are clamped to zero (versions have no negatives).
    public init(_ value: Int) {
        storage = .small(max(0, value))
    }

    /// A number from an integer literal; negative values become 0.
    public init(integerLiteral value: Int) {
        self.init(value)
    }

    /// Parses a non-empty run of ASCII digits (leading zeros allowed); `nil` for anything else.
    public init?<S: StringProtocol>(digits: S) {
        guard PythonText.isASCIIDigits(digits) else { return nil }
        self.init(validatedDigits: Array(digits.utf8)[...])
    }

    /// `bytes` must be a non-empty run of ASCII digits.
    init(validatedDigits bytes: ArraySlice<UInt8>) {
        var start = bytes.startIndex
        while start < bytes.endIndex - 1, bytes[start] == 0x30 { start += 1 }
        let significant = bytes[start...]
        if significant.count <= 18 {
            var value = 0
            for byte in significant { value = value * 10 + Int(byte - 0x30) }
            storage = .small(value)
            return
        }
        if significant.count == 19 {
            var value: UInt64 = 0
            for byte in significant { value = value * 10 + UInt64(byte - 0x30) }
            if value <= UInt64(Int.max) {
                storage = .small(Int(value))
                return
            }
        }
        storage = .large(String(decoding: significant, as: UTF8.self))
    }

    /// The value as an `Int`, or `nil` when it is larger than `Int.max`.
    public var intValue: Int? {
        if case .small(let value) = storage { return value }
        return nil
    }

    /// Whether the value is zero.
    public var isZero: Bool { storage == .small(0) }

    /// Decimal digits without leading zeros (Python's `str(int)`).
    public var description: String {
        switch storage {
        case .small(let value): return String(value)
        case .large(let digits): return digits
        }
    }

    /// Numeric order, whatever the size of the numbers.
    public static func < (lhs: VersionNumber, rhs: VersionNumber) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case (.small(let a), .small(let b)): return a < b
        case (.small, .large): return true
        case (.large, .small): return false
        case (.large(let a), .large(let b)):
            if a.utf8.count != b.utf8.count { return a.utf8.count < b.utf8.count }
            return a.utf8.lexicographicallyPrecedes(b.utf8)
        }
    }
}
