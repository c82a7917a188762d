import ArtifactStore
import Foundation

/// Where the blobs live in an S3-compatible service: `s3://BUCKET?endpoint=URL&region=REGION`,
/// addressed path-style (`ENDPOINT/BUCKET/KEY`), which every S3-compatible server accepts.
///
/// What the URL leaves out comes from the usual AWS environment variables: `AWS_ENDPOINT_URL`
/// for the endpoint, `AWS_REGION` then `AWS_DEFAULT_REGION` for the region (`us-east-1` when
/// none says), and AWS's own endpoint for the region when no endpoint is given.
public struct S3Location: Sendable, Hashable, CustomStringConvertible {
    /// The bucket name.
    public var bucket: String
    /// The service's base URL, without a path (`http://127.0.0.1:9000`).
    public var endpoint: URL
    /// The signing region.
    public var region: String

    /// A location from its parts.
    public init(bucket: String, endpoint: URL, region: String) {
        self.bucket = bucket
        self.endpoint = endpoint
        self.region = region
    }

    /// Parses `s3://BUCKET?endpoint=…&region=…`, filling what it leaves out from `environment`.
    ///
    /// - Throws: ``StoreError`` `invalidInput` saying what is wrong with the text.
    public init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func invalid(_ why: String) -> StoreError {
            StoreError(.invalidInput, "not an S3 location: \(text.debugDescription) (\(why)); write s3://BUCKET?endpoint=http://HOST:PORT&region=REGION")
        }
        guard let components = URLComponents(string: text), components.scheme?.lowercased() == "s3" else {
            throw invalid("it must start with s3://")
        }
        guard let bucket = components.host, !bucket.isEmpty else { throw invalid("no bucket name") }
        guard components.path.isEmpty || components.path == "/" else {
            throw invalid("a path after the bucket is not supported")
        }
        guard bucket.count >= 3, bucket.count <= 63,
              bucket.utf8.allSatisfy({ ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
        else { throw invalid("a bucket name is 3 to 63 lowercase letters, digits, dots and hyphens") }
        var parameters: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard ["endpoint", "region"].contains(item.name) else { throw invalid("unknown parameter \(item.name.debugDescription); the parameters are endpoint and region") }
            parameters[item.name] = item.value ?? ""
        }
        let region = parameters["region"] ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        guard !region.isEmpty else { throw invalid("empty region") }
        let endpointText = parameters["endpoint"] ?? environment["AWS_ENDPOINT_URL"] ?? "https://s3.\(region).amazonaws.com"
        guard let endpoint = URL(string: endpointText), let scheme = endpoint.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = endpoint.host, !host.isEmpty, endpoint.path.isEmpty || endpoint.path == "/", endpoint.user == nil
        else { throw invalid("the endpoint must be http:// or https:// with a host, no path and no user") }
        self.init(bucket: bucket, endpoint: endpoint, region: region)
    }

    /// `scheme://host[:port]` of the endpoint, without a trailing slash.
    var base: String {
        var text = endpoint.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// The `Host` header: the endpoint's host, with its port when it is not the scheme's default.
    var hostHeader: String {
        let host = endpoint.host ?? ""
        guard let port = endpoint.port else { return host }
        let defaultPort = endpoint.scheme?.lowercased() == "https" ? 443 : 80
        return port == defaultPort ? host : "\(host):\(port)"
    }

    /// `s3://BUCKET?endpoint=…&region=…`.
    public var description: String { "s3://\(bucket)?endpoint=\(base)&region=\(region)" }
}

/// Credentials for S3. The secret (and the session token) never appear in a description, a
/// log line or an error message: every way of printing the value shows only the key id.
public struct S3Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The access key id (`AKIA…`); not a secret.
    public var accessKeyID: String
    /// The secret access key.
    public var secretAccessKey: String
    /// The session token of temporary credentials, if any.
    public var sessionToken: String?

    /// Credentials given explicitly.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, when set, `AWS_SESSION_TOKEN`.
    ///
    /// - Throws: ``StoreError`` `invalidInput` naming the variable that is missing.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> S3Credentials {
        guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty else {
            throw StoreError(.invalidInput, "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)")
        }
        guard let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
            throw StoreError(.invalidInput, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both")
        }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return S3Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
    }

    /// The key id only; the secret is redacted.
    public var description: String {
        "S3Credentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>\(sessionToken == nil ? "" : ", sessionToken: <redacted>"))"
    }

    /// The same as ``description``.
    public var debugDescription: String { description }

    /// Shows the key id only, so that `dump` and debuggers do not print the secret either.
    public var customMirror: Mirror {
        Mirror(self, children: ["accessKeyID": accessKeyID, "secretAccessKey": "<redacted>"], displayStyle: .struct)
    }
}
