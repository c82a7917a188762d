import Crypto
import Foundation

/// AWS Signature Version 4 (header form), the few steps S3 needs: canonical request, string to
/// sign, signing key, `Authorization` header. Tested against AWS's published test suite
/// (Tests/ArtifactStoreS3Tests/Fixtures/sigv4).
///
/// The secret key is used for the signing key only; nothing here prints or returns it.
public struct SigV4Signer: Sendable {
    /// The credentials that sign.
    public var credentials: S3Credentials
    /// The region of the credential scope (`us-east-1`).
    public var region: String
    /// The service of the credential scope (`s3`).
    public var service: String

    /// A signer for one region and service.
    public init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The payload hash S3 accepts for a body that is not hashed into the signature.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// The hex SHA-256 of a body, the payload hash of a signed payload.
    public static func payloadHash(_ body: some DataProtocol) -> String {
        hex(SHA256.hash(data: body))
    }

    /// A request as signing sees it.
    public struct Request: Sendable {
        /// `GET`, `PUT`, …
        public var method: String
        /// The path, not percent-encoded (`/bucket/sha256/ab/cd/…`); each segment is encoded once.
        public var path: String
        /// Query parameters, not percent-encoded, in any order; a name may repeat.
        public var query: [(name: String, value: String)]
        /// Every header to sign (`host` and `x-amz-date` included), names in any case; a name may repeat.
        public var headers: [(name: String, value: String)]
        /// ``SigV4Signer/payloadHash(_:)`` of the body, or ``SigV4Signer/unsignedPayload``.
        public var payloadHash: String

        /// A request to sign.
        public init(method: String, path: String, query: [(name: String, value: String)] = [],
                    headers: [(name: String, value: String)], payloadHash: String) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    /// The canonical request: method, canonical URI, canonical query string, canonical headers,
    /// signed headers and payload hash, one per line.
    public static func canonicalRequest(_ request: Request) -> String {
        let uri = request.path.isEmpty ? "/" : encodePath(request.path)
        var pairs: [(name: String, value: String)] = request.query.map { (uriEncode($0.name), uriEncode($0.value)) }
        pairs.sort { (left: (name: String, value: String), right: (name: String, value: String)) -> Bool in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        let query: String = pairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        let headers = canonicalHeaders(request.headers)
        let headerLines: String = headers.map { "\($0.name):\($0.value)\n" }.joined()
        let signed: String = headers.map(\.name).joined(separator: ";")
        return [request.method, uri, query, headerLines, signed, request.payloadHash].joined(separator: "\n")
    }

    /// Header names lowercased, values trimmed with runs of spaces collapsed to one, repeated
    /// names joined by commas, sorted by name.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var byName: [String: [String]] = [:]
        for (name, value) in headers {
            let collapsed = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            byName[name.lowercased(), default: []].append(collapsed.trimmingCharacters(in: .whitespaces))
        }
        return byName.keys.sorted().map { ($0, byName[$0]!.joined(separator: ",")) }
    }

    /// The signed-headers list of a request: its lowercased header names, sorted, `;`-separated.
    static func signedHeaders(_ headers: [(name: String, value: String)]) -> String {
        canonicalHeaders(headers).map(\.name).joined(separator: ";")
    }

    /// `AWS4-HMAC-SHA256`, the time, the credential scope and the canonical request's hash.
    public func stringToSign(canonicalRequest: String, amzDate: String) -> String {
        ["AWS4-HMAC-SHA256", amzDate, scope(amzDate: amzDate), Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))]
            .joined(separator: "\n")
    }

    /// `DATE/REGION/SERVICE/aws4_request`.
    func scope(amzDate: String) -> String {
        "\(amzDate.prefix(8))/\(region)/\(service)/aws4_request"
    }

    /// The signing key: HMAC chain over the date, region, service and `aws4_request`.
    func signingKey(date: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data(("AWS4" + credentials.secretAccessKey).utf8))
        for part in [date, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    /// The `Authorization` header value of a request whose headers include its `x-amz-date`
    /// (`amzDate`, `YYYYMMDDTHHMMSSZ`).
    public func authorization(for request: Request, amzDate: String) -> String {
        let toSign = stringToSign(canonicalRequest: Self.canonicalRequest(request), amzDate: amzDate)
        let signature = HMAC<SHA256>.authenticationCode(for: Data(toSign.utf8), using: signingKey(date: String(amzDate.prefix(8))))
        return "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(amzDate: amzDate)), "
            + "SignedHeaders=\(Self.signedHeaders(request.headers)), Signature=\(Self.hex(signature))"
    }

    /// Adds `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token` (with a session token)
    /// and `Authorization` to a request's headers, which must include `host`.
    public func sign(_ request: Request, date: Date) -> [(name: String, value: String)] {
        var request = request
        let amzDate = Self.amzDate(date)
        request.headers.append(("x-amz-date", amzDate))
        request.headers.append(("x-amz-content-sha256", request.payloadHash))
        if let token = credentials.sessionToken { request.headers.append(("x-amz-security-token", token)) }
        return request.headers + [("Authorization", authorization(for: request, amzDate: amzDate))]
    }

    /// `YYYYMMDDTHHMMSSZ` in UTC.
    public static func amzDate(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }

    /// A path with each `/`-separated segment encoded by ``uriEncode(_:)``.
    public static func encodePath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { uriEncode(String($0)) }.joined(separator: "/")
    }

    /// AWS's URI encoding: every byte except `A-Z a-z 0-9 - _ . ~` as `%XX` (upper case).
    public static func uriEncode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF")
                result += "%\(digits[Int(byte >> 4)])\(digits[Int(byte & 0x0f)])"
            }
        }
        return result
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
