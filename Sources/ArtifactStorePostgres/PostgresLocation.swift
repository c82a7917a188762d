import ArtifactStore
import Foundation

/// Where a store's PostgreSQL metadata lives: `postgres://user:password@host:port/database` (or
/// `postgresql://`), with libpq's environment variables (`PGHOST`, `PGPORT`, `PGUSER`,
/// `PGPASSWORD`, `PGDATABASE`) filling in what the URL leaves out.
///
/// The password never appears in ``description``, in a log line or in an error: print the
/// location freely.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The server's host name or address.
    public var host: String
    /// The server's TCP port (5432 unless told otherwise).
    public var port: Int
    /// The user to connect as.
    public var username: String
    /// The password, if the server asks for one. Never printed.
    public var password: String?
    /// The database holding the store's tables.
    public var database: String

    /// A location from its parts.
    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses `postgres://[user[:password]@][host][:port][/database]`. What the URL leaves out
    /// comes from `environment` (`PGUSER`, `PGPASSWORD`, `PGHOST`, `PGPORT`, `PGDATABASE`),
    /// then from libpq's defaults: host `localhost`, port 5432, the database named after the user.
    ///
    /// - Throws: ``StoreError`` `invalidInput` for another scheme, a bad port, or no user at all;
    ///   its message shows the URL without its password.
    public init(parsing string: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let shown = Self.redacted(string)
        // A `/`, `?` or `#` in the user or password ends the authority early: the rest would be
        // read as a port, path or query (and a secret could end up named as the database).
        if let schemeEnd = string.range(of: "://") {
            let rest = string[schemeEnd.upperBound...]
            if let at = rest.lastIndex(of: "@"), let end = rest.firstIndex(where: { "/?#".contains($0) }), end < at {
                throw StoreError(.invalidInput, "\(shown): the user or password holds a / ? or #; percent-encode them (%2F, %3F, %23)")
            }
        }
        guard let components = URLComponents(string: string),
              let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql"
        else {
            throw StoreError(.invalidInput, "\(shown) is not a PostgreSQL URL; write postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        func nonEmpty(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        guard let username = nonEmpty(components.percentEncodedUser.map { $0.removingPercentEncoding ?? $0 }) ?? nonEmpty(environment["PGUSER"]) else {
            throw StoreError(.invalidInput, "\(shown) names no user, and PGUSER is not set; write postgres://USER@HOST/DATABASE")
        }
        let port: Int
        if let explicit = components.port {
            port = explicit
        } else if let fromEnvironment = nonEmpty(environment["PGPORT"]) {
            guard let parsed = Int(fromEnvironment) else {
                throw StoreError(.invalidInput, "PGPORT=\(fromEnvironment) is not a port number")
            }
            port = parsed
        } else {
            port = 5432
        }
        guard (1...65535).contains(port) else {
            throw StoreError(.invalidInput, "\(shown): port \(port) is out of range (1–65535)")
        }
        var path = components.percentEncodedPath
        if path.hasPrefix("/") { path.removeFirst() }
        self.init(
            host: nonEmpty(components.host) ?? nonEmpty(environment["PGHOST"]) ?? "localhost",
            port: port,
            username: username,
            password: nonEmpty(components.percentEncodedPassword.map { $0.removingPercentEncoding ?? $0 }) ?? nonEmpty(environment["PGPASSWORD"]),
            database: nonEmpty(path.removingPercentEncoding ?? path) ?? nonEmpty(environment["PGDATABASE"]) ?? username
        )
    }

    /// `postgres://user@host:port/database`: everything but the password.
    public var description: String {
        "postgres://\(username)@\(hostAndPort)/\(database)"
    }

    /// The same as ``description``: no password.
    public var debugDescription: String { description }

    /// The parts, with the password shown as `***` (so `dump` prints no secret either).
    public var customMirror: Mirror {
        Mirror(self, children: [
            "host": host, "port": port, "username": username,
            "password": password == nil ? "nil" : "***", "database": database,
        ])
    }

    /// `host:port`, as error messages name the server (an IPv6 address in brackets).
    public var hostAndPort: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// A URL as typed, with anything between `user:` and the last `@` replaced by `***`, for
    /// messages about a URL that could not be parsed. The last `@` of the whole string, not of the
    /// authority: a password holding `/`, `?` or `#` would otherwise end the authority early and
    /// be shown.
    static func redacted(_ string: String) -> String {
        guard let schemeEnd = string.range(of: "://") else { return string }
        let rest = string[schemeEnd.upperBound...]
        guard let at = rest.lastIndex(of: "@") else { return string }
        let userinfo = rest[..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return string }
        return String(string[..<colon]) + ":***" + String(string[at...])
    }
}
