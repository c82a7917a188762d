import Crypto
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

    /// Request fields that carry credentials and may select a variant (`Vary: Authorization`).
    static let credentialRequestFields: Set<String> = ["authorization", "proxy-authorization", "cookie"]
    /// The prefix of a credential replaced by its keyed hash.
    static let keyedHashPrefix = "hmac-sha256:"

    /// The request fields with each credential replaced by a keyed hash of it (HMAC-SHA256 under
    /// the store's own key): never the secret itself, but still equal for equal credentials, so
    /// that `Vary: Authorization` or `Vary: Cookie` keeps selecting variants (a response fetched
    /// with one credential is never served to a request with another, or with none).
    static func protectingCredentials(_ fields: HeaderFields, key keyBytes: [UInt8]) -> HeaderFields {
        // On every verdict: decide without allocating in the common case (no credential field).
        guard fields.contains(where: { isCredentialField($0.name) }) else { return fields }
        let key = SymmetricKey(data: keyBytes)
        return HeaderFields(fields.map { field in
            guard isCredentialField(field.name), !field.value.hasPrefix(keyedHashPrefix) else { return field }
            let mac = HMAC<SHA256>.authenticationCode(for: Array(field.value.utf8), using: key)
            return HeaderField(name: field.name, value: keyedHashPrefix + mac.map { String(format: "%02x", $0) }.joined())
        })
    }

    static func isCredentialField(_ name: String) -> Bool {
        let length = name.utf8.count
        guard length == 6 || length == 13 || length == 19 else { return false }
        return credentialRequestFields.contains(name.lowercased())
    }

    /// Whether a field may be written: not a secret, or a credential already replaced by its
    /// keyed hash.
    static func isWritable(_ field: HeaderField) -> Bool {
        !isSecret(field.name) || (isCredentialField(field.name) && field.value.hasPrefix(keyedHashPrefix))
    }

    static func encode(_ fields: HeaderFields) -> String {
        var text = ""
        for field in fields where isWritable(field) {
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
