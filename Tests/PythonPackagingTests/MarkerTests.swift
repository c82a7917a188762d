import Testing

@testable import PythonPackaging
import TestSupport

@Suite("PEP 508 environment markers")
struct MarkerTests {
    /// CPython 3.11.4 on Linux x86_64, with a real kernel release.
    static let linux = MarkerEnvironment(
        osName: "posix", sysPlatform: "linux", platformMachine: "x86_64", platformPythonImplementation: "CPython",
        platformRelease: "6.1.0-13-amd64", platformSystem: "Linux", platformVersion: "#1 SMP PREEMPT_DYNAMIC",
        pythonVersion: "3.11", pythonFullVersion: "3.11.4", implementationName: "cpython",
        implementationVersion: "3.11.4")

    static func holds(_ text: String, in environment: MarkerEnvironment = linux, extras: Set<String> = [],
                      groups: Set<String> = []) throws -> Bool {
        try Marker(parsing: text).evaluate(environment, extras: extras, dependencyGroups: groups)
    }

    // MARK: Structure

    static let precedence: [(String, Bool)] = [
        // `and` binds tighter than `or`: a or (b and c).
        (#"os_name == "posix" or os_name == "nt" and python_version < "3""#, true),
        (#"os_name == "nt" and python_version < "3" or os_name == "posix""#, true),
        (#"os_name == "nt" or os_name == "posix" and python_version < "3""#, false),
        // Parentheses override it.
        (#"(os_name == "posix" or os_name == "nt") and python_version < "3""#, false),
        (#"os_name == "nt" and (python_version < "3" or os_name == "posix")"#, false),
        (#"(((os_name == "posix")))"#, true),
        (#"os_name == "nt" or (os_name == "a" or (sys_platform == "linux" and (python_version >= "3.11")))"#, true),
        (#"os_name=="posix"and(sys_platform=="linux")or"a"==extra"#, true),
    ]

    @Test("and binds tighter than or; parentheses group", arguments: precedence)
    func precedenceAndParentheses(_ text: String, _ expected: Bool) throws {
        #expect(try MarkerTests.holds(text) == expected)
    }

    static let canonical: [(String, String)] = [
        (#"os_name=="posix""#, #"os_name == "posix""#),
        (#"  os.name == 'posix' "#, #"os_name == "posix""#),
        (#"python_implementation=='CPython' or platform.python_implementation == "PyPy""#,
         #"platform_python_implementation == "CPython" or platform_python_implementation == "PyPy""#),
        (#"sys.platform == "linux" and platform.machine == "x86_64" and platform.version == """#,
         #"sys_platform == "linux" and platform_machine == "x86_64" and platform_version == """#),
        (#"(os_name == "a")"#, #"os_name == "a""#),
        (#"((os_name == "a" or os_name == "b"))"#, #"os_name == "a" or os_name == "b""#),
        (#"(os_name == "a") and (os_name == "b" or (os_name == "c"))"#, #"os_name == "a" and (os_name == "b" or os_name == "c")"#),
        // packaging's str() writes this one as `a and b or c`, which means something else.
        (#"os_name == "a" and ((os_name == "b" or os_name == "c"))"#, #"os_name == "a" and (os_name == "b" or os_name == "c")"#),
        (#"os_name not   in 'posix nt'"#, #"os_name not in "posix nt""#),
        (#"extra == 'Foo.Bar__baz'"#, #"extra == "foo-bar-baz""#),
        (#"'Foo_Bar' in extra"#, #""foo-bar" in extra"#),
        (#"os_name ==="posix""#, #"os_name === "posix""#),
        (#"os_name == 'a"b'"#, #"os_name == 'a"b'"#),
        (#"os_name == "a\\b""#, #"os_name == "a\\b""#),
        (#"os_name == "\x41\u00e9\101""#, #"os_name == "AéA""#),
        ("os_name == \"posix\"\n", #"os_name == "posix""#),
    ]

    @Test("description is packaging's canonical form and parses back to an equal marker", arguments: canonical)
    func canonicalForm(_ text: String, _ expected: String) throws {
        let marker = try Marker(parsing: text)
        #expect(marker.description == expected)
        #expect(try Marker(parsing: marker.description) == marker)
    }

    @Test("a value with both quotes, a line break or NUL is escaped so the canonical form parses back")
    func canonicalFormEscapes() throws {
        let marker = try Marker(parsing: #"os_name == "a'\x22\n\r\x00\\b""#)
        #expect(marker.description == #"os_name == "a'\x22\n\r\x00\\b""#)
        #expect(try Marker(parsing: marker.description) == marker)
    }

    // MARK: Comparisons

    static let comparisons: [(String, Bool)] = [
        // Either operand order; the left operand is the candidate.
        (#"python_version >= "3.8""#, true), (#""3.8" <= python_version"#, true), (#""3.12" < python_version"#, false),
        (#""3.12" > python_version"#, true), (#"python_version > "3.11""#, false),
        // PEP 440 comparison, not string comparison: "3.11" > "3.9" as versions, not as strings.
        (#"python_version > "3.9""#, true), (#"python_full_version < "3.11.10""#, true),
        (#"python_version == "3.11.0""#, true), (#"python_version == "3.*""#, true), (#"python_version != "3.11.*""#, false),
        (#"python_version ~= "3.8""#, true), (#"python_full_version ~= "3.11.0""#, true),
        (#"python_version === "3.11""#, true), (#"python_version === "3.11.0""#, false),
        (#"implementation_version >= "3.11.4""#, true),
        // Pre-releases are matched (packaging passes prereleases=True).
        (#"python_full_version > "3.11.0a1""#, true),
        // A value that is not a valid specifier falls back to string comparison…
        (#"python_version == "foo""#, false), (#"python_version != "foo""#, true), (#"python_version <= "3.11 ""#, true),
        (#"python_version < "3.11.*""#, false), (#"python_version >= "3.*""#, false),
        // …and a candidate that is not a version matches nothing but ===.
        (#"platform_release == "6.1.0-13-amd64""#, true), (#"platform_release >= "6""#, false),
        (#"platform_release != "5.15""#, false), (#"platform_release === "6.1.0-13-AMD64""#, true),
        // Plain strings: code points for == and !=, <= and >= mean ==, < and > are false.
        (#"os_name == "posix""#, true), (#"os_name == "Posix""#, false), (#"os_name != "nt""#, true),
        (#"os_name <= "posix""#, true), (#"os_name >= "posix""#, true), (#"os_name >= "a""#, false),
        (#"os_name < "z""#, false), (#"os_name > "a""#, false),
        // in / not in are substring tests on strings.
        (#"os_name in "posix nt""#, true), (#"sys_platform in "darwin win32""#, false), (#""pos" in os_name"#, true),
        (#""" in os_name"#, true), (#"os_name not in "nt java""#, true), (#"python_version in "3.10 3.11""#, true),
        (#"python_version not in "3.1""#, true),
        // Value-value comparisons are constant (packaging raises KeyError: a deliberate difference).
        (#""a" == "a""#, true), (#""a" in "abc""#, true), (#""a" < "b""#, false),
    ]

    @Test("comparisons follow packaging: PEP 440 for version variables, else string rules", arguments: comparisons)
    func comparison(_ text: String, _ expected: Bool) throws {
        #expect(try MarkerTests.holds(text) == expected)
    }

    static let undefinedComparisons: [String] = [
        #"os_name ~= "posix""#, #"os_name === "posix""#, #"python_version ~= "3""#, #""a" ~= os_name"#,
        // Two variables, and a set on the left: packaging compares with the variable's name or
        // fails an assertion; here they are undefined.
        #"os_name == sys_platform"#, #"extras == "foo""#, #""foo" ~= extras"#, #"extra ~= "foo""#,
    ]

    @Test("undefined comparisons are false, and an error when evaluated strictly", arguments: undefinedComparisons)
    func undefinedComparison(_ text: String) throws {
        let marker = try Marker(parsing: text)
        #expect(!marker.evaluate(MarkerTests.linux))
        #expect(throws: UndefinedMarkerComparison.self) { try marker.evaluateStrictly(MarkerTests.linux) }
        // Anywhere in the marker, as packaging evaluates every clause.
        let either = try Marker(parsing: #"os_name == "posix" or "# + text)
        #expect(either.evaluate(MarkerTests.linux))
        #expect(throws: UndefinedMarkerComparison.self) { try either.evaluateStrictly(MarkerTests.linux) }
    }

    @Test("python_full_version ending in + is read as a local version, as packaging repairs it")
    func untaggedPythonBuild() throws {
        var environment = MarkerTests.linux
        environment.pythonFullVersion = "3.12.1+"
        #expect(try MarkerTests.holds(#"python_full_version >= "3.12.1""#, in: environment))
        #expect(try MarkerTests.holds(#"python_full_version == "3.12.1+local""#, in: environment))
    }

    // MARK: Extras and dependency groups

    static let extras: [(String, Set<String>, Bool)] = [
        (#"extra == "test""#, ["test"], true), (#"extra == "test""#, [], false),
        (#"extra == "Foo.Bar""#, ["foo_bar"], true), (#"extra == "foo-bar""#, ["FOO__BAR"], true),
        (#""Foo_Bar" == extra"#, ["foo.bar"], true),
        // Inside parentheses too (PEP 685; packaging 26.2 skips the normalization there).
        (#"(extra == "Foo_Bar")"#, ["foo-bar"], true),
        (#"extra == "test" and os_name == "posix""#, ["docs", "test"], true),
        // Each extra is tried in turn (pip's rule), so two different extras never hold at once.
        (#"extra == "test" and extra == "docs""#, ["docs", "test"], false),
        (#"extra != "test""#, ["test"], false), (#"extra != "test""#, ["test", "docs"], true),
        (#"extra != "test""#, [], true), (#"extra == """#, [], true),
        (#"extra in "test docs""#, ["docs"], true),
        // A marker without `extra` does not depend on the extras.
        (#"os_name == "posix""#, ["anything"], true),
    ]

    @Test("extra compares normalized names (PEP 685), one requested extra at a time", arguments: extras)
    func extraNormalization(_ text: String, _ requested: Set<String>, _ expected: Bool) throws {
        #expect(try MarkerTests.holds(text, extras: requested) == expected)
    }

    static let lockFileSets: [(String, Set<String>, Set<String>, Bool)] = [
        (#""test" in extras"#, ["test"], [], true), (#""test" in extras"#, [], [], false),
        (#""Foo.Bar" in extras"#, ["foo_bar"], [], true), (#""test" not in extras"#, ["docs"], [], true),
        (#""dev" in dependency_groups"#, [], ["Dev"], true), (#""typing.extensions" in dependency_groups"#, [], ["typing-extensions"], true),
        (#""dev" in dependency_groups"#, ["dev"], [], false), (#""lint" not in dependency_groups"#, [], ["dev"], true),
        (#""test" in extras and "dev" in dependency_groups"#, ["test"], ["dev"], true),
        // Against a set, == is false and != true, as Python compares a str with a frozenset.
        (#""test" == extras"#, ["test"], [], false), (#""test" != extras"#, ["test"], [], true),
        (#""test" <= extras"#, ["test"], [], false),
    ]

    @Test("PEP 751 extras and dependency_groups are sets of normalized names", arguments: lockFileSets)
    func lockFileMarkers(_ text: String, _ extras: Set<String>, _ groups: Set<String>, _ expected: Bool) throws {
        #expect(try MarkerTests.holds(text, extras: extras, groups: groups) == expected)
    }

    // MARK: Invalid input

    static let invalid: [(String, String, Int)] = [
        ("", "expected a marker variable or a quoted string, found the end of the marker", 1),
        ("()", "expected a marker variable or a quoted string", 2),
        (#"os_name"#, "expected a marker operator", 8),
        (#"os_name = "a""#, "expected a marker operator", 9),
        (#"os_name notin "a""#, "expected a marker operator", 9),
        (#"os_name not"in" "a""#, "expected whitespace after 'not'", 12),
        (#"os_name not "a""#, "expected 'in' after 'not'", 13),
        (#"os_name == x"#, "unknown marker variable 'x' (strings must be quoted)", 12),
        (#"python_versions == "3""#, "unknown marker variable 'python_versions'", 1),
        (#"platform.release == "6""#, "unknown marker variable 'platform.release'", 1),
        (#"Os_Name == "a""#, "unknown marker variable 'Os_Name'", 1),
        (#"os_name == "a"#, "unterminated quoted string", 12),
        (#"os_name == "a" and"#, "found the end of the marker", 19),
        (#"os_name == "a" AND os_name == "b""#, "expected 'and', 'or' or the end of the marker", 16),
        (#"os_name == "a" andos_name == "b""#, "expected 'and', 'or' or the end of the marker", 16),
        (#"os_name == "a")"#, "expected 'and', 'or' or the end of the marker", 15),
        (#"(os_name == "a""#, "expected ')' to close the '(' at column 1", 16),
        (#"os_name == "a" (os_name == "b")"#, "expected 'and', 'or' or the end of the marker", 16),
        ("os_name == \"posix\"\r", "expected 'and', 'or' or the end of the marker", 19),
        ("os_name == \"posix\"\n\n", "expected 'and', 'or' or the end of the marker", 19),
        ("os_name\u{A0}== \"a\"", "expected a marker operator", 8),
        ("os_name == \"a\nb\"", "a line break in a quoted string", 14),
        ("os_name == \"a\0\"", "a NUL character in a quoted string", 14),
        (#"os_name == "a\""#, "a quoted string ends with a backslash", 14),
        (#"os_name == 'a\'"#, "a quoted string ends with a backslash", 14),
        (#"os_name == "\x4""#, "truncated \\x escape", 13),
        (#"os_name == "\u00e""#, "truncated \\u escape", 13),
        (#"os_name == "\U00110000""#, "beyond U+10FFFF", 13),
        (#"os_name == "\ud800""#, "surrogate", 13),
        (#"os_name == "\N{DIGIT ONE}""#, "\\N{…} escapes are not supported", 13),
    ]

    @Test("invalid markers say what is wrong and at which column", arguments: invalid)
    func invalidMarker(_ text: String, _ message: String, _ column: Int) {
        #expect {
            try Marker(parsing: text)
        } throws: { error in
            guard let error = error as? MarkerError else { return false }
            return error.message.contains(message) && error.column == column
        }
        #expect(Marker(text) == nil)
    }

    @Test("the description of an error names the message and the column")
    func errorDescription() {
        #expect(throws: MarkerError(message: "expected a marker operator (one of <, <=, ==, !=, >=, >, ~=, ===, in, not in)", column: 9)) {
            try Marker(parsing: #"os_name = "a""#)
        }
        let error = MarkerError(message: "unterminated quoted string (no closing \")", column: 12)
        #expect(error.description == "invalid marker: unterminated quoted string (no closing \") (column 12)")
    }

    @Test("nesting is bounded, so hostile input cannot exhaust the stack", arguments: [99, 100, 101, 100_000])
    func depthBound(_ depth: Int) {
        let text = String(repeating: "(", count: depth) + #"os_name == "posix""# + String(repeating: ")", count: depth)
        if depth <= Marker.maximumDepth {
            #expect(Marker(text)?.evaluate(MarkerTests.linux) == true)
        } else {
            #expect(throws: MarkerError.self) { try Marker(parsing: text) }
        }
    }

    @Test("length is bounded")
    func lengthBound() {
        let clause = #"os_name == "posix" or "#
        let long = String(repeating: clause, count: Marker.maximumLength / clause.count + 1) + #"os_name == "nt""#
        #expect(throws: MarkerError(message: "the marker is longer than \(Marker.maximumLength) characters", column: Marker.maximumLength + 1)) {
            try Marker(parsing: long)
        }
        // Long flat markers below the bound are fine (no recursion per clause).
        let flat = String(repeating: clause, count: 3_000) + #"os_name == "nt""#
        #expect(Marker(flat)?.evaluate(MarkerTests.linux) == true)
    }

    @Test("substring tests stay linear on long repetitive strings")
    func longSubstring() throws {
        let haystack = String(repeating: "a", count: 40_000)
        let needle = String(repeating: "a", count: 20_000) + "b"
        #expect(try !MarkerTests.holds("\"\(needle)\" in \"\(haystack)\""))
        #expect(try MarkerTests.holds("\"\(needle.dropLast())\" in \"\(haystack)\""))
    }

    @Test("seeded random markers: parsing never traps, and every canonical form parses back to an equal marker",
          arguments: 0..<4)
    func randomMarkers(_ seed: Int) {
        var rng = SeededGenerator(seed: UInt64(seed) &* 104_729 &+ 1)
        let operands = [
            "os_name", "python_version", "platform_release", "extra", "extras", "dependency_groups", "os.name",
            "\"posix\"", "'3.11'", "\"a\\x41\"", "\"Foo_Bar\"", "'x\"y'", "\"\\\\\"", "\"\\n\"", "''", "\"é\"",
        ]
        let operators = ["==", "!=", "<", "<=", ">", ">=", "~=", "===", "in", "not in"]
        let noise = ["(", ")", "\"", "'", "\\", "not", "and", "or", "\n", "\t", "é", "=", ""]
        var valid = 0
        for _ in 0..<3_000 {
            // A grammatical marker of one to four clauses with random parentheses…
            var parts: [String] = []
            var open = 0
            for index in 0..<Int.random(in: 1...4, using: &rng) {
                if index > 0 { parts.append(Bool.random(using: &rng) ? "and" : "or") }
                while Int.random(in: 0..<10, using: &rng) < 3 {
                    parts.append("(")
                    open += 1
                }
                parts += [operands.randomElement(using: &rng)!, operators.randomElement(using: &rng)!,
                          operands.randomElement(using: &rng)!]
                while open > 0, Bool.random(using: &rng) {
                    parts.append(")")
                    open -= 1
                }
            }
            parts += Array(repeating: ")", count: open)
            // …sometimes with one part replaced by noise.
            if Int.random(in: 0..<10, using: &rng) < 3 {
                parts[Int.random(in: 0..<parts.count, using: &rng)] = noise.randomElement(using: &rng)!
            }
            let text = parts.joined(separator: ["", " ", "  ", "\t"].randomElement(using: &rng)!)
            guard let marker = Marker(text) else { continue }
            valid += 1
            _ = marker.evaluate(MarkerTests.linux, extras: ["foo-bar", "test"], dependencyGroups: ["dev"])
            _ = try? marker.evaluateStrictly(MarkerTests.linux)
            #expect(Marker(marker.description) == marker, "\(text.debugDescription) → \(marker.description.debugDescription)")
        }
        #expect(valid > 1_000)
    }

    // MARK: Environments

    @Test("an environment from a dictionary of PEP 508 names; unknown names are refused")
    func dictionaryEnvironment() throws {
        let environment = try #require(MarkerEnvironment(variables: ["os_name": "nt", "python_version": "3.8"]))
        #expect(environment.osName == "nt" && environment.pythonVersion == "3.8" && environment.sysPlatform == "")
        #expect(environment.variables.count == 11)
        #expect(MarkerEnvironment(variables: MarkerTests.linux.variables) == MarkerTests.linux)
        #expect(MarkerEnvironment(variables: ["extra": "test"]) == nil)
        #expect(MarkerEnvironment(variables: ["os.name": "nt"]) == nil)
    }

    static let derived: [(PythonEnvironment, [String: String])] = [
        (.cpython(3, 11, platforms: ["manylinux_2_28_x86_64", "linux_x86_64"]),
         ["sys_platform": "linux", "platform_system": "Linux", "os_name": "posix", "platform_machine": "x86_64",
          "implementation_name": "cpython", "platform_python_implementation": "CPython", "python_version": "3.11",
          "python_full_version": "3.11.0", "implementation_version": "3.11.0", "platform_release": "", "platform_version": ""]),
        (.cpython(3, 12, platforms: ["musllinux_1_2_aarch64"]),
         ["sys_platform": "linux", "platform_system": "Linux", "os_name": "posix", "platform_machine": "aarch64"]),
        (.cpython(3, 9, platforms: ["manylinux2014_ppc64le"]), ["sys_platform": "linux", "platform_machine": "ppc64le"]),
        (.cpython(3, 10, platforms: ["linux_armv7l"]), ["sys_platform": "linux", "platform_machine": "armv7l"]),
        (.cpython(3, 13, platforms: ["macosx_14_0_arm64"]),
         ["sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix", "platform_machine": "arm64"]),
        (.cpython(3, 8, platforms: ["macosx_10_9_x86_64"]), ["sys_platform": "darwin", "platform_machine": "x86_64"]),
        (.cpython(3, 13, platforms: ["macosx_11_0_universal2"]), ["sys_platform": "darwin", "platform_machine": ""]),
        (.cpython(3, 11, platforms: ["win_amd64"]),
         ["sys_platform": "win32", "platform_system": "Windows", "os_name": "nt", "platform_machine": "AMD64"]),
        (.cpython(3, 11, platforms: ["win32"]), ["sys_platform": "win32", "platform_machine": "x86"]),
        (.cpython(3, 12, platforms: ["win_arm64"]), ["sys_platform": "win32", "platform_machine": "ARM64"]),
        (.cpython(3, 13, platforms: ["android_24_arm64_v8a"]),
         ["sys_platform": "android", "platform_system": "Android", "os_name": "posix", "platform_machine": "aarch64"]),
        (.cpython(3, 13, platforms: ["ios_17_0_arm64_iphoneos"]),
         ["sys_platform": "ios", "platform_system": "iOS", "os_name": "posix", "platform_machine": ""]),
        (.cpython(3, 11, platforms: ["any"]), ["sys_platform": "", "platform_system": "", "os_name": "", "platform_machine": ""]),
        (.cpython(3, 11, platforms: []), ["sys_platform": "", "os_name": ""]),
        (PythonEnvironment(implementation: .pypy, interpreter: "pp310", pythonVersion: [3, 10], abis: ["pypy310_pp73"],
                           platforms: ["manylinux_2_17_x86_64"]),
         ["implementation_name": "pypy", "platform_python_implementation": "PyPy", "python_version": "3.10",
          "python_full_version": "3.10.0", "implementation_version": ""]),
        (PythonEnvironment(implementation: .other, interpreter: "graalpy311", pythonVersion: [3, 11], abis: [], platforms: []),
         ["implementation_name": "graalpy", "platform_python_implementation": "GraalVM"]),
        (PythonEnvironment(implementation: .cpython, interpreter: "cp311", pythonVersion: [3, 11, 4], abis: ["cp311"], platforms: []),
         ["python_version": "3.11", "python_full_version": "3.11.4", "implementation_version": "3.11.4"]),
    ]

    @Test("environments derived from interpreter and platform tags", arguments: derived)
    func derivedEnvironment(_ environment: PythonEnvironment, _ expected: [String: String]) {
        let variables = MarkerEnvironment(environment).variables
        for (name, value) in expected {
            #expect(variables[name] == value, "\(name)")
        }
    }

    @Test("a derived environment decides typical Requires-Dist markers")
    func derivedEnvironmentDecides() throws {
        let linux = MarkerEnvironment(.cpython(3, 11, platforms: ["manylinux_2_28_x86_64"]))
        let mac = MarkerEnvironment(.cpython(3, 12, platforms: ["macosx_14_0_arm64"]))
        let windows = MarkerEnvironment(.cpython(3, 8, platforms: ["win_amd64"]))
        let triton = try Marker(parsing: #"platform_system == "Linux" and platform_machine == "x86_64" and python_version < "3.14""#)
        #expect(triton.evaluate(linux) && !triton.evaluate(mac) && !triton.evaluate(windows))
        let colorama = try Marker(parsing: #"sys_platform == "win32""#)
        #expect(!colorama.evaluate(linux) && colorama.evaluate(windows))
        let backport = try Marker(parsing: #"python_version < "3.9""#)
        #expect(backport.evaluate(windows) && !backport.evaluate(mac))
        // platform_release is unknown (""): only comparisons with "" hold.
        #expect(try !Marker(parsing: #"platform_release >= "5.0""#).evaluate(linux))
        #expect(try Marker(parsing: #"platform_release == """#).evaluate(linux))
        // python_full_version is X.Y.0 when only X.Y is known.
        #expect(try !Marker(parsing: #"python_full_version >= "3.11.4""#).evaluate(linux))
    }
}
