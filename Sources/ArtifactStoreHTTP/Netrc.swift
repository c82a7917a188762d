import Foundation

/// Credentials from a `.netrc` file, by host, as curl, pip and uv read them: `machine HOST login
/// USER password SECRET`, a `default` entry for every other host, `macdef` blocks skipped.
///
/// They are sent as HTTP Basic authentication to that host only, and never recorded or printed.
public struct Netrc: Sendable, Hashable {
    public struct Credentials: Sendable, Hashable {
        public var login: String
        public var password: String

        public init(login: String, password: String) {
            self.login = login
            self.password = password
        }
    }

    /// Lowercased host → credentials.
    public private(set) var machines: [String: Credentials] = [:]
    /// The `default` entry, if any.
    public private(set) var fallback: Credentials?

    /// Parses the text of a `.netrc` file. Unknown tokens are skipped; an entry without a login
    /// is ignored.
    public init(parsing text: String) {
        var tokens = Self.tokens(text)[...]
        var current: (host: String?, login: String?, password: String?, isDefault: Bool)?
        func flush() {
            guard let entry = current, let login = entry.login else { return }
            let credentials = Credentials(login: login, password: entry.password ?? "")
            if entry.isDefault {
                if fallback == nil { fallback = credentials }
            } else if let host = entry.host, machines[host] == nil {
                machines[host] = credentials
            }
        }
        while let token = tokens.popFirst() {
            switch token {
            case "machine":
                flush()
                current = (tokens.popFirst()?.lowercased(), nil, nil, false)
            case "default":
                flush()
                current = (nil, nil, nil, true)
            case "login":
                current?.login = tokens.popFirst()
            case "password":
                current?.password = tokens.popFirst()
            case "account":
                _ = tokens.popFirst()
            case "macdef":
                // A macro runs to the next blank line; tokens() marks it.
                _ = tokens.popFirst()
                while let next = tokens.popFirst(), next != Self.blankLine {}
            default:
                break
            }
        }
        flush()
    }

    /// The credentials for `host`, if the file has them.
    public func credentials(for host: String) -> Credentials? {
        machines[host.lowercased()] ?? fallback
    }

    /// Reads `$NETRC`, else `~/.netrc`; nil when there is no such file or it cannot be read.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) -> Netrc? {
        let path = environment["NETRC"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["HOME"].map { $0 + "/.netrc" }
            ?? FileManager.default.homeDirectoryForCurrentUser.appending(path: ".netrc").path(percentEncoded: false)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Netrc(parsing: text)
    }

    private static let blankLine = "\u{0}blank-line"

    /// Whitespace-separated tokens (double-quoted tokens may hold spaces); an empty line is
    /// reported as ``blankLine`` so that `macdef` bodies can be skipped.
    private static func tokens(_ text: String) -> [String] {
        var tokens: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
                tokens.append(blankLine)
                continue
            }
            if line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#") { continue }
            var current = ""
            var quoted = false
            var hasToken = false
            for character in line {
                if character == "\"" {
                    quoted.toggle()
                    hasToken = true
                } else if !quoted && (character == " " || character == "\t" || character == "\r") {
                    if hasToken { tokens.append(current) }
                    current = ""
                    hasToken = false
                } else {
                    current.append(character)
                    hasToken = true
                }
            }
            if hasToken { tokens.append(current) }
        }
        return tokens
    }
}
