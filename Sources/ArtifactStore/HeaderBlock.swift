import HTTPCaching

/// The compact text form of header fields in the database: one `Name: value` line per field, in
/// order, joined by `\n`. Fields that carry credentials are dropped before anything is written.
enum HeaderBlock {
    /// Fields whose values are never written anywhere in the store.
    static let secretFields: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie", "set-cookie2"]

    static func isSecret(_ name: String) -> Bool { secretFields.contains(name.lowercased()) }

    /// The fields without the secret ones.
    static func withoutSecrets(_ fields: HeaderFields) -> HeaderFields {
        HeaderFields(fields.filter { !isSecret($0.name) })
    }

    static func encode(_ fields: HeaderFields) -> String {
        var text = ""
        for field in fields where !isSecret(field.name) {
            if !text.isEmpty { text += "\n" }
            // RFC 9110 §5.5: CR, LF and NUL are invalid in values; a recipient may replace them with SP.
            // A redirect's target may carry `user:password@`: never stored.
            let value = Self.carriesURL(field.name) ? RecordedURL.redacted(field.value, replacement: "") : field.value
            text += sanitize(field.name) + ": " + sanitize(value)
        }
        return text
    }

    /// Fields whose value is a URL (RFC 9110 §10.2.2, §8.7).
    static func carriesURL(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return lowered == "location" || lowered == "content-location"
    }

    static func decode(_ text: String) -> HeaderFields {
        var fields = HeaderFields()
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...]
            fields.append(name: String(line[..<colon]), value: String(value.hasPrefix(" ") ? value.dropFirst() : value))
        }
        return fields
    }

    private static func sanitize(_ text: String) -> String {
        func invalid(_ scalar: Unicode.Scalar) -> Bool { scalar == "\n" || scalar == "\r" || scalar == "\0" }
        guard text.unicodeScalars.contains(where: invalid) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { invalid($0) ? " " : $0 }))
    }
}
