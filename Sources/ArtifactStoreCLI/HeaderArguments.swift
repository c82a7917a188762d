import ArgumentParser
import Foundation
import HTTPCaching

/// `--header 'Name: value'` options, as `fetch` and `explain` take them: one parser, so both
/// commands refuse the same malformed headers with the same words.
enum HeaderArguments {
    /// RFC 9110 §5.6.2 `tchar`: what a field name is made of.
    private static let token = CharacterSet(charactersIn: "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// The header fields `lines` give, in order.
    ///
    /// - Throws: `ValidationError` (exit 64) for a line without a colon, a field name that is
    ///   empty or not an RFC 9110 token, or a value with a line break or NUL (which would let a
    ///   value smuggle in a header of its own).
    static func parse(_ lines: [String]) throws -> HeaderFields {
        var fields = HeaderFields()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else {
                throw ValidationError("--header must look like 'Name: value' (got \(line))")
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.unicodeScalars.allSatisfy(token.contains) else {
                throw ValidationError("--header has an invalid field name: \(line)")
            }
            guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                throw ValidationError("--header values cannot contain line breaks")
            }
            fields.append(name: name, value: value)
        }
        return fields
    }
}
