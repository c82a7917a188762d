// Small text primitives that reproduce CPython's `str` semantics, so that the rest of the module can
// follow `packaging` exactly. Everything here works on Unicode scalars (Python's code points), never
// on Swift `Character`s (grapheme clusters).

/// Text helpers that behave like the CPython `str` methods `packaging` relies on.
enum PythonText {
    /// `str.isspace()` / the `\s` class of a `str` regular expression: the characters with Unicode
    /// bidirectional class WS, B or S, or general category Zs.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F,
            0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// `str.strip()` with no argument.
    static func strip(_ text: Substring.UnicodeScalarView) -> Substring.UnicodeScalarView {
        var start = text.startIndex
        var end = text.endIndex
        while start < end, isWhitespace(text[start]) { start = text.index(after: start) }
        while end > start {
            let before = text.index(before: end)
            if !isWhitespace(text[before]) { break }
            end = before
        }
        return text[start..<end]
    }

    /// `str.strip()` with no argument.
    static func strip(_ text: String) -> String {
        String(String.UnicodeScalarView(strip(text[...].unicodeScalars)))
    }

    /// `str.strip()` with no argument.
    static func strip(_ text: Substring) -> String {
        String(String.UnicodeScalarView(strip(text.unicodeScalars)))
    }

    /// `str.lower()`: full lowercase mapping per scalar, plus the context-sensitive final sigma rule
    /// (Unicode §3.13 "Final_Sigma", as CPython's `handle_capital_sigma` does).
    static func lower(_ text: String) -> String {
        // Fast path: pure ASCII.
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            var bytes = Array(text.utf8)
            for index in bytes.indices where bytes[index] >= 0x41 && bytes[index] <= 0x5A {
                bytes[index] += 0x20
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        for (index, scalar) in scalars.enumerated() {
            if scalar.value == 0x03A3 {
                result.append(isFinalSigma(scalars, index) ? "\u{03C2}" : "\u{03C3}")
            } else {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(result)
    }

    private static func isFinalSigma(_ scalars: [Unicode.Scalar], _ index: Int) -> Bool {
        var before = index - 1
        while before >= 0, scalars[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, scalars[before].properties.isCased else { return false }
        var after = index + 1
        while after < scalars.count, scalars[after].properties.isCaseIgnorable { after += 1 }
        return after == scalars.count || !scalars[after].properties.isCased
    }

    /// Python's ordering of `str` values: by code point. (UTF-8 byte order is code point order.)
    static func codePointLess(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    /// Python string equality: same code points (Swift's `==` would also equate canonically
    /// equivalent spellings such as precomposed and decomposed accents).
    static func equal(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.elementsEqual(rhs.utf8)
    }

    /// `\w` of a `str` regular expression: `str.isalnum()` characters and `_`.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "_" { return true }
        if scalar.isASCII {
            let v = scalar.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return true
        default:
            return scalar.properties.numericType != nil
        }
    }

    /// `\d` of a `str` regular expression: a Unicode decimal digit (category Nd).
    static func isUnicodeDecimalDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .decimalNumber
    }

    static func isASCIIDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func isASCIIDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x30 && scalar.value <= 0x39
    }

    /// True when `text` is non-empty and made only of ASCII digits.
    static func isASCIIDigits<S: StringProtocol>(_ text: S) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isASCIIDigit)
    }

    /// `urllib.parse.unquote(text)` (UTF-8, errors="replace"): `%XX` with two hex digits becomes a
    /// byte, anything else (including a lone `%`) stays as written; the bytes are then decoded as
    /// UTF-8, each maximal invalid subsequence becoming U+FFFD.
    static func percentDecode(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }
}
