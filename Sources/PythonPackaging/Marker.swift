// PEP 508 environment markers, with the PEP 751 additions (`extras`, `dependency_groups`), parsed
// and evaluated the way `packaging.markers` 26.2 does it (its tokenizer, its comparison rules and
// their fallbacks), so that a marker from a wheel's `Requires-Dist` or a lock file means here what
// it means to pip. Deliberate differences are listed on ``Marker`` and tested by
// scripts/differential-packaging.py.

/// The error thrown for text that is not a valid marker: what is wrong, and where.
public struct MarkerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, e.g. `expected a marker operator (one of <, <=, ==, !=, >=, >, ~=, ===, in, not in)`.
    public let message: String
    /// The 1-based column, counted in Unicode scalars (Python's code points), where the problem
    /// was found: the first character that could not be read.
    public let column: Int

    /// An error with its message and 1-based column.
    public init(message: String, column: Int) {
        self.message = message
        self.column = column
    }

    /// `invalid marker: MESSAGE (column N)`.
    public var description: String { "invalid marker: \(message) (column \(column))" }
}

/// A comparison that PEP 508 leaves undefined, reported by
/// ``Marker/evaluateStrictly(_:extras:dependencyGroups:)`` (packaging raises `UndefinedComparison`).
public struct UndefinedMarkerComparison: Error, Sendable, Hashable, CustomStringConvertible {
    /// The clause, in canonical form (`os_name ~= "posix"`).
    public let clause: String
    /// Why it has no defined result.
    public let reason: String

    /// `undefined marker comparison CLAUSE: REASON`.
    public var description: String { "undefined marker comparison \(clause): \(reason)" }
}

/// A parsed PEP 508 environment marker, e.g. `python_version >= "3.9" and sys_platform == "linux"`.
///
/// **Grammar** (PEP 508 §"Environment Markers", as packaging 26.2's tokenizer reads it):
/// `marker = atom (("and" | "or") atom)*`, `atom = "(" marker ")" | operand op operand`, where an
/// operand is a variable or a single- or double-quoted string, and `op` is one of
/// `< <= != == >= > ~= === in not in`. `and` binds tighter than `or`. Only spaces and tabs
/// separate tokens; keywords and variables must not be followed by a letter, digit or `_`
/// (`os_name=="a"and"b"==extra` is valid, `python_versions` is not a variable). One trailing
/// newline is accepted, as packaging's `$` does. The variables are the eleven of
/// ``MarkerEnvironment``, `extra`, PEP 751's `extras` and `dependency_groups`, and the legacy
/// spellings packaging accepts: `os.name`, `sys.platform`, `platform.version`,
/// `platform.machine`, `platform.python_implementation` and `python_implementation` (the last
/// two mean `platform_python_implementation`). A quoted string is read as a Python string
/// literal: backslash escapes (`\n`, `\\`, `\'`, `\x41`, `\u00e9`, `\101`, …) are decoded,
/// unknown ones kept as written, and a raw line break or NUL is an error.
///
/// **Evaluation** (packaging 26.2's `_evaluate_markers` / `_eval_op`):
/// - For the version variables (`python_version`, `python_full_version`,
///   `implementation_version`, `platform_release`), `lhs op rhs` is decided as
///   `Specifier(op + rhs).contains(lhs, prereleases: true)` when `op + rhs` is a valid PEP 440
///   specifier, whichever side the variable is on (so `"3.8" < python_version` reads naturally).
///   A left side that is not a version then matches nothing but `===` (so
///   `platform_release != "5.15"` is false on a release such as `6.1.0-13-amd64`).
/// - Otherwise the strings are compared as packaging's fallback does: `==`, `!=` by code point;
///   `in`, `not in` as Python substring tests; `<=` and `>=` as `==`; `<` and `>` are false;
///   `~=` and `===` are undefined.
/// - `extra` (PEP 685): the quoted name is normalized (PEP 503) when the marker is parsed and the
///   environment's extra when it is evaluated, so `extra == "Foo_Bar"` matches the extra `foo-bar`.
/// - `extras` and `dependency_groups` (PEP 751 §"Locking", marker syntax): sets of names,
///   normalized on both sides, used as `"name" in extras` / `not in`. `==` against a set is
///   false, `!=` true, the ordering operators false, as in Python.
///
/// **Deliberate differences from packaging 26.2** (each refused or defined here where packaging
/// crashes or does something no marker author could mean):
/// - a quoted string with a `\N{…}` escape, or an escape that yields a surrogate code point, is
///   refused (packaging decodes them; a Swift `String` cannot hold a lone surrogate);
/// - nesting deeper than ``maximumDepth`` parentheses and text longer than ``maximumLength``
///   scalars are refused (packaging recurses until Python's recursion limit);
/// - `extra` names are normalized in every clause; packaging normalizes them only in clauses
///   that are not inside parentheses, so its `(extra == "Foo")` never matches;
/// - two quoted strings (`"a" == "b"`) compare as strings; packaging looks the right-hand string
///   up as a variable name (a `KeyError` for anything but a variable's name);
/// - two variables (`os_name == sys_platform`), or `extras` / `dependency_groups` on the left of
///   a comparison, are undefined comparisons; packaging compares against the variable's *name*,
///   or fails an assertion;
/// - the canonical form always means the same marker (see ``description``).
public struct Marker: Sendable, Hashable, CustomStringConvertible {
    /// The deepest nesting of parentheses accepted.
    public static let maximumDepth = 100
    /// The longest marker text accepted, in Unicode scalars.
    public static let maximumLength = 100_000

    /// The syntax tree; two markers are equal when their canonical forms (``description``) are.
    let expression: MarkerExpression

    /// Parses a marker (the text after `;` in a requirement, or a lock file's `marker` value).
    public init(parsing text: String) throws(MarkerError) {
        // Counted before anything is copied, so that a huge input costs no memory.
        var length = 0
        for _ in text.unicodeScalars {
            length += 1
            if length > Marker.maximumLength {
                throw MarkerError(
                    message: "the marker is longer than \(Marker.maximumLength) characters", column: Marker.maximumLength + 1)
            }
        }
        var parser = MarkerParser(text)
        expression = try parser.parseAll()
    }

    /// Parses a marker, or returns `nil` when the text is not a valid marker.
    public init?(_ text: String) {
        guard let marker = try? Marker(parsing: text) else { return nil }
        self = marker
    }

    /// The canonical form, as packaging's `str(Marker)` writes it: one space around operators
    /// and keywords, variables by their PEP 508 names (`os.name` becomes `os_name`), strings
    /// double-quoted, `extra` names normalized, and parentheses kept where written except around
    /// a lone clause or group. A string is single-quoted when it contains `"`; a backslash, a
    /// line break, a NUL, or both kinds of quote are written as escapes, so the canonical form
    /// always parses back to an equal marker. (packaging writes such strings as they are, and drops
    /// the parentheses of a group written inside two pairs of them, so that its
    /// `a and ((b or c))` reads back as `a and b or c`; here it is `a and (b or c)`.)
    public var description: String { expression.format(top: true) }

    /// Whether the marker holds in `environment`.
    ///
    /// - Parameters:
    ///   - extras: the requested extras. `extra` is bound to each of them in turn and the marker
    ///     holds if it holds for one (pip's rule for a wheel's `Requires-Dist`); with none
    ///     requested, `extra` is the empty string. They are also the set that PEP 751's `extras`
    ///     variable denotes. Names are normalized (PEP 685).
    ///   - dependencyGroups: the set PEP 751's `dependency_groups` denotes (normalized).
    ///   - environment: the values of the environment-marker variables.
    /// - Returns: the result, where an undefined comparison (see
    ///   ``evaluateStrictly(_:extras:dependencyGroups:)``) counts as false.
    public func evaluate(
        _ environment: MarkerEnvironment, extras: Set<String> = [], dependencyGroups: Set<String> = []
    ) -> Bool {
        evaluation(environment, extras: extras, dependencyGroups: dependencyGroups).result
    }

    /// Like ``evaluate(_:extras:dependencyGroups:)``, but an undefined comparison anywhere in the
    /// marker is an error, as in packaging, whatever the other clauses say: `~=` or `===` where
    /// no version comparison applies (`os_name ~= "posix"`, `python_version ~= "3"`), two
    /// variables compared, or `extras` / `dependency_groups` on the left of an operator.
    public func evaluateStrictly(
        _ environment: MarkerEnvironment, extras: Set<String> = [], dependencyGroups: Set<String> = []
    ) throws(UndefinedMarkerComparison) -> Bool {
        let outcome = evaluation(environment, extras: extras, dependencyGroups: dependencyGroups)
        if let undefined = outcome.undefined { throw undefined }
        return outcome.result
    }

    private func evaluation(
        _ environment: MarkerEnvironment, extras: Set<String>, dependencyGroups: Set<String>
    ) -> (result: Bool, undefined: UndefinedMarkerComparison?) {
        let normalizedExtras = Set(extras.map { MarkerEvaluator.normalize($0) })
        let groups = Set(dependencyGroups.map { MarkerEvaluator.normalize($0) })
        // packaging evaluates with one `extra` at a time; without any, `extra` is "".
        let bindings: [[UInt8]] = expression.mentionsExtra && !normalizedExtras.isEmpty
            ? normalizedExtras.sorted { $0.lexicographicallyPrecedes($1) } : [[]]
        var result = false
        var undefined: UndefinedMarkerComparison?
        for extra in bindings {
            var evaluator = MarkerEvaluator(
                environment: environment, extra: String(decoding: extra, as: UTF8.self), extras: normalizedExtras,
                dependencyGroups: groups)
            if evaluator.evaluate(expression) { result = true }
            undefined = undefined ?? evaluator.undefined
        }
        return (result, undefined)
    }
}

// MARK: - Syntax tree

/// A marker variable, by its PEP 508 name.
enum MarkerVariable: String, Sendable, Hashable, CaseIterable {
    case osName = "os_name"
    case sysPlatform = "sys_platform"
    case platformMachine = "platform_machine"
    case platformPythonImplementation = "platform_python_implementation"
    case platformRelease = "platform_release"
    case platformSystem = "platform_system"
    case platformVersion = "platform_version"
    case pythonVersion = "python_version"
    case pythonFullVersion = "python_full_version"
    case implementationName = "implementation_name"
    case implementationVersion = "implementation_version"
    case extra
    case extras
    case dependencyGroups = "dependency_groups"

    /// The variables packaging compares as PEP 440 versions (`MARKERS_REQUIRING_VERSION`).
    var isVersion: Bool {
        switch self {
        case .pythonVersion, .pythonFullVersion, .implementationVersion, .platformRelease: return true
        default: return false
        }
    }

    /// PEP 751's set-valued variables.
    var isSet: Bool { self == .extras || self == .dependencyGroups }

    /// Every spelling packaging's tokenizer accepts, with the variable it means.
    static let spellings: [(text: [Unicode.Scalar], variable: MarkerVariable)] = {
        var list = allCases.map { (Array($0.rawValue.unicodeScalars), $0) }
        let legacy: [(String, MarkerVariable)] = [
            ("os.name", .osName), ("sys.platform", .sysPlatform), ("platform.version", .platformVersion),
            ("platform.machine", .platformMachine), ("platform.python_implementation", .platformPythonImplementation),
            ("python_implementation", .platformPythonImplementation),
        ]
        list += legacy.map { (Array($0.0.unicodeScalars), $0.1) }
        return list
    }()
}

/// A comparison operator.
enum MarkerOperator: String, Sendable, Hashable {
    case compatible = "~="
    case arbitrary = "==="
    case equal = "=="
    case notEqual = "!="
    case lessThanOrEqual = "<="
    case greaterThanOrEqual = ">="
    case lessThan = "<"
    case greaterThan = ">"
    case `in` = "in"
    case notIn = "not in"

    /// The symbolic operators in the order packaging's `OP` pattern tries them.
    static let symbols: [(text: [Unicode.Scalar], op: MarkerOperator)] =
        [arbitrary, equal, compatible, notEqual, lessThanOrEqual, greaterThanOrEqual, lessThan, greaterThan]
        .map { (Array($0.rawValue.unicodeScalars), $0) }
}

/// One side of a comparison.
enum MarkerOperand: Sendable, Hashable {
    case variable(MarkerVariable)
    case value(String)

    var format: String {
        switch self {
        case .variable(let variable): return variable.rawValue
        case .value(let value): return MarkerOperand.quote(value)
        }
    }

    /// A quoted string that parses back to `value` (see ``Marker/description``).
    static func quote(_ value: String) -> String {
        let hasDouble = value.unicodeScalars.contains("\"")
        let hasSingle = value.unicodeScalars.contains("'")
        let quote: Unicode.Scalar = hasDouble && !hasSingle ? "'" : "\""
        var text = String.UnicodeScalarView()
        text.append(quote)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": text.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": text.append(contentsOf: "\\n".unicodeScalars)
            case "\r": text.append(contentsOf: "\\r".unicodeScalars)
            case "\0": text.append(contentsOf: "\\x00".unicodeScalars)
            case quote: text.append(contentsOf: (quote == "\"" ? "\\x22" : "\\x27").unicodeScalars)
            default: text.append(scalar)
            }
        }
        text.append(quote)
        return String(text)
    }
}

/// `lhs op rhs`.
struct MarkerClause: Sendable, Hashable {
    var lhs: MarkerOperand
    var op: MarkerOperator
    var rhs: MarkerOperand

    var format: String { "\(lhs.format) \(op.rawValue) \(rhs.format)" }
}

enum MarkerConnective: String, Sendable, Hashable {
    case and
    case or
}

/// A clause or a parenthesized expression.
indirect enum MarkerAtom: Sendable, Hashable {
    case clause(MarkerClause)
    case group(MarkerExpression)
}

/// `atoms[0] connectives[0] atoms[1] …` (one connective fewer than atoms), as written: `and`
/// binds tighter than `or` when it is evaluated. The parser never produces a group of one atom,
/// nor an expression that is one group.
struct MarkerExpression: Sendable, Hashable {
    var atoms: [MarkerAtom]
    var connectives: [MarkerConnective]

    var mentionsExtra: Bool {
        atoms.contains { atom in
            switch atom {
            case .clause(let clause): return clause.lhs == .variable(.extra) || clause.rhs == .variable(.extra)
            case .group(let inner): return inner.mentionsExtra
            }
        }
    }

    /// packaging's `_format_marker`: a lone atom is written without parentheses, a group of
    /// several atoms inside another expression with them.
    func format(top: Bool) -> String {
        if atoms.count == 1 {
            switch atoms[0] {
            case .clause(let clause): return clause.format
            case .group(let inner): return inner.format(top: true)
            }
        }
        var text = ""
        for (index, atom) in atoms.enumerated() {
            if index > 0 { text += " \(connectives[index - 1].rawValue) " }
            switch atom {
            case .clause(let clause): text += clause.format
            case .group(let inner): text += inner.format(top: false)
            }
        }
        return top ? text : "(" + text + ")"
    }
}

// MARK: - Parsing

/// A recursive-descent parser with packaging's tokens: whitespace is `[ \t]+`, keywords and
/// variables end at a word boundary (`\b` of a `str` pattern), strings are `'[^']*'` or `"[^"]*"`.
struct MarkerParser {
    let scalars: [Unicode.Scalar]
    var position = 0
    var depth = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    func error(_ message: String, at offset: Int) -> MarkerError {
        MarkerError(message: message, column: offset + 1)
    }

    mutating func parseAll() throws(MarkerError) -> MarkerExpression {
        let expression = try parseMarker()
        // packaging's END is `$`, which also matches before one final newline.
        guard position == scalars.count || (position == scalars.count - 1 && scalars[position] == "\n") else {
            throw error("expected 'and', 'or' or the end of the marker", at: position)
        }
        // `(a or b)` is `a or b` (see `parseAtom`).
        if expression.atoms.count == 1, case .group(let inner) = expression.atoms[0] { return inner }
        return expression
    }

    /// `marker = atom (BOOLOP atom)*`
    mutating func parseMarker() throws(MarkerError) -> MarkerExpression {
        var expression = MarkerExpression(atoms: [try parseAtom()], connectives: [])
        while true {
            let connective: MarkerConnective
            if keyword("and") {
                connective = .and
            } else if keyword("or") {
                connective = .or
            } else {
                break
            }
            position += connective.rawValue.unicodeScalars.count
            expression.connectives.append(connective)
            expression.atoms.append(try parseAtom())
        }
        return expression
    }

    /// `atom = WS? "(" WS? marker WS? ")" WS? | WS? item WS?`
    mutating func parseAtom() throws(MarkerError) -> MarkerAtom {
        skipWhitespace()
        guard peek == "(" else {
            let clause = try parseClause()
            skipWhitespace()
            return .clause(clause)
        }
        let open = position
        guard depth < Marker.maximumDepth else {
            throw error("parentheses nested deeper than \(Marker.maximumDepth) levels", at: open)
        }
        depth += 1
        position += 1
        skipWhitespace()
        let inner = try parseMarker()
        skipWhitespace()
        guard peek == ")" else {
            throw error("expected ')' to close the '(' at column \(open + 1)", at: position)
        }
        position += 1
        depth -= 1
        skipWhitespace()
        // Parentheses around a single clause or group change nothing: dropping them here makes
        // equal markers exactly those with equal canonical forms (packaging compares `str()`).
        return inner.atoms.count == 1 ? inner.atoms[0] : .group(inner)
    }

    /// `item = operand WS? op WS? operand`, with an `extra` name normalized (PEP 685).
    mutating func parseClause() throws(MarkerError) -> MarkerClause {
        let lhs = try parseOperand()
        skipWhitespace()
        let op = try parseOperator()
        skipWhitespace()
        let rhs = try parseOperand()
        var clause = MarkerClause(lhs: lhs, op: op, rhs: rhs)
        if lhs == .variable(.extra), case .value(let name) = rhs {
            clause.rhs = .value(ProjectName.normalize(name))
        } else if rhs == .variable(.extra), case .value(let name) = lhs {
            clause.lhs = .value(ProjectName.normalize(name))
        }
        return clause
    }

    mutating func parseOperand() throws(MarkerError) -> MarkerOperand {
        for (text, variable) in MarkerVariable.spellings where matchesWord(text) {
            position += text.count
            return .variable(variable)
        }
        if let quote = peek, quote == "'" || quote == "\"" {
            guard let close = scalars[(position + 1)...].firstIndex(of: quote) else {
                throw error("unterminated quoted string (no closing \(quote))", at: position)
            }
            let value = try decodeStringLiteral(from: position + 1, to: close)
            position = close + 1
            return .value(value)
        }
        guard let first = peek else {
            throw error("expected a marker variable or a quoted string, found the end of the marker", at: position)
        }
        if PythonText.isWordCharacter(first) {
            var end = position
            while end < scalars.count, end - position < 40, PythonText.isWordCharacter(scalars[end]) || scalars[end] == "." {
                end += 1
            }
            let word = String(String.UnicodeScalarView(scalars[position..<end]))
            throw error("unknown marker variable '\(word)' (strings must be quoted)", at: position)
        }
        throw error("expected a marker variable or a quoted string", at: position)
    }

    /// `op = "in" | "not" WS "in" | OP`
    mutating func parseOperator() throws(MarkerError) -> MarkerOperator {
        if keyword("in") {
            position += 2
            return .in
        }
        if keyword("not") {
            position += 3
            guard peek == " " || peek == "\t" else { throw error("expected whitespace after 'not'", at: position) }
            skipWhitespace()
            guard keyword("in") else { throw error("expected 'in' after 'not'", at: position) }
            position += 2
            return .notIn
        }
        for (text, op) in MarkerOperator.symbols where scalars[position...].starts(with: text) {
            position += text.count
            return op
        }
        throw error("expected a marker operator (one of <, <=, ==, !=, >=, >, ~=, ===, in, not in)", at: position)
    }

    var peek: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    mutating func skipWhitespace() {
        while position < scalars.count, scalars[position] == " " || scalars[position] == "\t" { position += 1 }
    }

    /// `\bWORD\b` at the current position.
    func matchesWord(_ word: [Unicode.Scalar]) -> Bool {
        guard scalars[position...].starts(with: word) else { return false }
        if position > 0, PythonText.isWordCharacter(scalars[position - 1]) { return false }
        let end = position + word.count
        return end == scalars.count || !PythonText.isWordCharacter(scalars[end])
    }

    func keyword(_ word: String) -> Bool { matchesWord(Array(word.unicodeScalars)) }

    /// The value of the Python string literal whose body is `scalars[start..<end]` (packaging
    /// runs `ast.literal_eval` on the quoted token).
    func decodeStringLiteral(from start: Int, to end: Int) throws(MarkerError) -> String {
        var value = String.UnicodeScalarView()
        var index = start
        func hexDigits(_ count: Int, after offset: Int) -> UInt32? {
            guard offset + count <= end else { return nil }
            var number: UInt32 = 0
            for scalar in scalars[offset..<(offset + count)] {
                guard scalar.isASCII, let digit = hexValue(scalar) else { return nil }
                number = number << 4 | digit
            }
            return number
        }
        while index < end {
            let scalar = scalars[index]
            if scalar == "\0" { throw error("a NUL character in a quoted string", at: index) }
            if scalar == "\n" || scalar == "\r" { throw error("a line break in a quoted string", at: index) }
            guard scalar == "\\" else {
                value.append(scalar)
                index += 1
                continue
            }
            guard index + 1 < end else {
                throw error("a quoted string ends with a backslash (it would escape the closing quote)", at: index)
            }
            let escaped = scalars[index + 1]
            switch escaped {
            case "\n":
                index += 2
            case "\r":
                index += 2
                if index < end, scalars[index] == "\n" { index += 1 }
            case "\\", "'", "\"":
                value.append(escaped)
                index += 2
            case "a", "b", "f", "n", "r", "t", "v":
                value.append(MarkerParser.controlEscapes[escaped]!)
                index += 2
            case "0"..."7":
                var number: UInt32 = 0
                var next = index + 1
                while next < end, next < index + 4, ("0"..."7").contains(scalars[next]) {
                    number = number * 8 + (scalars[next].value - 0x30)
                    next += 1
                }
                value.append(Unicode.Scalar(number)!)  // at most 0o777
                index = next
            case "x", "u", "U":
                let count = escaped == "x" ? 2 : escaped == "u" ? 4 : 8
                guard let number = hexDigits(count, after: index + 2) else {
                    throw error("truncated \\\(escaped) escape in a quoted string", at: index)
                }
                guard number <= 0x10FFFF else { throw error("\\U escape beyond U+10FFFF in a quoted string", at: index) }
                guard let decoded = Unicode.Scalar(number) else {
                    throw error("escape of a surrogate code point in a quoted string (not supported)", at: index)
                }
                value.append(decoded)
                index += 2 + count
            case "N":
                throw error("\\N{…} escapes are not supported in a quoted string", at: index)
            default:
                // An unknown escape stays as written (Python warns and keeps the backslash).
                value.append("\\")
                index += 1
            }
        }
        return String(value)
    }

    /// Python's single-letter escapes for control characters.
    static let controlEscapes: [Unicode.Scalar: Unicode.Scalar] = [
        "a": "\u{07}", "b": "\u{08}", "f": "\u{0C}", "n": "\n", "r": "\r", "t": "\t", "v": "\u{0B}",
    ]

    private func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar.value {
        case 0x30...0x39: return scalar.value - 0x30
        case 0x41...0x46: return scalar.value - 0x41 + 10
        case 0x61...0x66: return scalar.value - 0x61 + 10
        default: return nil
        }
    }
}

// MARK: - Evaluation

/// One evaluation with one binding of `extra`; records the first undefined comparison and keeps
/// going (packaging evaluates every clause, so an undefined one anywhere raises).
struct MarkerEvaluator {
    let environment: MarkerEnvironment
    /// The normalized value of `extra`.
    let extra: String
    /// Normalized names, as UTF-8 so that membership is by code point as in Python.
    let extras: Set<[UInt8]>
    let dependencyGroups: Set<[UInt8]>
    var undefined: UndefinedMarkerComparison?

    init(environment: MarkerEnvironment, extra: String, extras: Set<[UInt8]>, dependencyGroups: Set<[UInt8]>) {
        self.environment = environment
        self.extra = extra
        self.extras = extras
        self.dependencyGroups = dependencyGroups
    }

    static func normalize(_ name: String) -> [UInt8] { Array(ProjectName.normalize(name).utf8) }

    /// `any(all(group) for group in groups)` over the `or`-separated groups, every atom evaluated.
    mutating func evaluate(_ expression: MarkerExpression) -> Bool {
        var anyGroup = false
        var allInGroup = true
        for (index, atom) in expression.atoms.enumerated() {
            if index > 0, expression.connectives[index - 1] == .or {
                anyGroup = anyGroup || allInGroup
                allInGroup = true
            }
            let value: Bool
            switch atom {
            case .clause(let clause): value = evaluate(clause)
            case .group(let inner): value = evaluate(inner)
            }
            allInGroup = allInGroup && value
        }
        return anyGroup || allInGroup
    }

    /// A string or a set on the right-hand side.
    private enum Right {
        case string(String)
        case set(Set<[UInt8]>)
    }

    private func value(of variable: MarkerVariable) -> Right {
        switch variable {
        case .extra: return .string(extra)
        case .extras: return .set(extras)
        case .dependencyGroups: return .set(dependencyGroups)
        default: return .string(environment.value(of: variable))
        }
    }

    private mutating func undefined(_ clause: MarkerClause, _ reason: String) -> Bool {
        if undefined == nil { undefined = UndefinedMarkerComparison(clause: clause.format, reason: reason) }
        return false
    }

    mutating func evaluate(_ clause: MarkerClause) -> Bool {
        let key: MarkerVariable?
        var lhs: String
        let rhs: Right
        switch (clause.lhs, clause.rhs) {
        case (.variable(let variable), .value(let value)):
            guard case .string(let left) = self.value(of: variable) else {
                return undefined(clause, "'\(variable.rawValue)' is a set: write \"name\" in \(variable.rawValue)")
            }
            key = variable
            lhs = left
            rhs = .string(value)
        case (.value(let value), .variable(let variable)):
            key = variable
            lhs = value
            rhs = self.value(of: variable)
        case (.value(let left), .value(let right)):
            key = nil
            lhs = left
            rhs = .string(right)
        case (.variable, .variable):
            return undefined(clause, "it compares two variables")
        }
        if let key, key.isSet { lhs = ProjectName.normalize(lhs) }

        if let key, key.isVersion, clause.op != .in, clause.op != .notIn, case .string(let right) = rhs,
            let specifier = try? Specifier(parsing: clause.op.rawValue + right)
        {
            return specifier.contains(lhs, prereleases: true)
        }
        switch clause.op {
        case .equal, .lessThanOrEqual, .greaterThanOrEqual:
            guard case .string(let right) = rhs else { return false }
            return PythonText.equal(lhs, right)
        case .notEqual:
            guard case .string(let right) = rhs else { return true }
            return !PythonText.equal(lhs, right)
        case .lessThan, .greaterThan:
            return false
        case .in, .notIn:
            let found: Bool
            switch rhs {
            case .string(let right): found = MarkerEvaluator.contains(Array(right.utf8), Array(lhs.utf8))
            case .set(let names): found = names.contains(Array(lhs.utf8))
            }
            return clause.op == .in ? found : !found
        case .compatible, .arbitrary:
            let reason = key?.isVersion == true
                ? "the value is not a version that '\(clause.op.rawValue)' accepts"
                : "'\(clause.op.rawValue)' applies to versions only"
            return undefined(clause, reason)
        }
    }

    /// Python's `needle in haystack` for strings: a code point substring test (on UTF-8, which is
    /// equivalent), in linear time (Knuth–Morris–Pratt) so that long hostile strings stay cheap.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        if needle.isEmpty { return true }
        if needle.count > haystack.count { return false }
        var failure = [Int](repeating: 0, count: needle.count)
        var k = 0
        for i in 1..<needle.count {
            while k > 0, needle[i] != needle[k] { k = failure[k - 1] }
            if needle[i] == needle[k] { k += 1 }
            failure[i] = k
        }
        k = 0
        for byte in haystack {
            while k > 0, byte != needle[k] { k = failure[k - 1] }
            if byte == needle[k] { k += 1 }
            if k == needle.count { return true }
        }
        return false
    }
}
