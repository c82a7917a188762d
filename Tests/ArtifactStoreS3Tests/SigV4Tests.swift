import ArtifactStoreS3
import Foundation
import Testing

/// AWS's published Signature Version 4 test suite (Fixtures/sigv4, whose README says where each
/// case comes from): the signer must produce the suite's canonical request, string to sign and
/// Authorization header byte for byte.
@Suite("SigV4: AWS's published test vectors")
struct SigV4Tests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "Fixtures/sigv4")
    static let credentials = S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "service")

    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtures.path(percentEncoded: false))) ?? []
        return names.filter { !$0.hasSuffix(".md") }.sorted()
    }()

    static func file(_ name: String, _ ext: String) -> String? {
        try? String(contentsOf: fixtures.appending(path: "\(name)/\(name).\(ext)"), encoding: .utf8)
    }

    /// A `.req` file: request line, headers (`Name:value`), an empty line, the body.
    static func parse(_ text: String) throws -> (request: SigV4Signer.Request, amzDate: String) {
        let (head, body) = text.range(of: "\n\n").map { (String(text[..<$0.lowerBound]), String(text[$0.upperBound...])) } ?? (text, "")
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst().split(separator: " ")
        let method = String(requestLine[0])
        let target = requestLine[1...].dropLast().joined(separator: " ")  // the path may hold spaces
        let (path, rawQuery) = target.range(of: "?").map { (String(target[..<$0.lowerBound]), String(target[$0.upperBound...])) } ?? (target, "")
        let query: [(name: String, value: String)] = rawQuery.isEmpty ? [] : rawQuery.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            let colon = try #require(line.firstIndex(of: ":"))
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
        }
        let amzDate = try #require(headers.first { $0.name.lowercased() == "x-amz-date" }?.value)
        return (SigV4Signer.Request(method: method, path: path, query: query, headers: headers,
                                    payloadHash: SigV4Signer.payloadHash(Data(body.utf8))), amzDate)
    }

    @Test("the test suite is there")
    func suiteIsPresent() {
        #expect(Self.cases.count >= 10, "Fixtures/sigv4 holds \(Self.cases)")
    }

    @Test("the signer produces the suite's canonical request, string to sign and Authorization", arguments: cases)
    func matchesTheSuite(_ name: String) throws {
        let (request, amzDate) = try Self.parse(try #require(Self.file(name, "req")))
        let canonical = SigV4Signer.canonicalRequest(request)
        if let expected = Self.file(name, "creq") {
            #expect(canonical == expected)
        }
        if let expected = Self.file(name, "sts") {
            #expect(Self.signer.stringToSign(canonicalRequest: canonical, amzDate: amzDate) == expected)
        }
        #expect(Self.signer.authorization(for: request, amzDate: amzDate) == Self.file(name, "authz"))
    }

    @Test("sign adds the date, the payload hash, the session token and an Authorization that covers them")
    func signAddsTheAmazonHeaders() {
        let signer = SigV4Signer(credentials: S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token"), region: "us-east-1")
        let headers = signer.sign(SigV4Signer.Request(method: "GET", path: "/bucket/key", headers: [("host", "127.0.0.1:9000")],
                                                      payloadHash: SigV4Signer.unsignedPayload),
                                  date: Date(timeIntervalSince1970: 1_440_938_160))
        let byName = Dictionary(headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
        #expect(byName["x-amz-date"] == "20150830T123600Z")
        #expect(byName["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD")
        #expect(byName["x-amz-security-token"] == "token")
        let authorization = byName["authorization"] ?? ""
        #expect(authorization.contains("Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request"))
        #expect(authorization.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token"))
        #expect(!authorization.contains("secret"))
    }

    @Test("query names and values are encoded per AWS: only A-Z a-z 0-9 - _ . ~ stay as they are")
    func uriEncoding() {
        #expect(SigV4Signer.uriEncode("a b/c+d=e~f") == "a%20b%2Fc%2Bd%3De~f")
        #expect(SigV4Signer.uriEncode("\u{1234}") == "%E1%88%B4")
    }
}
