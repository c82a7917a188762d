/// An instant in time at one-second resolution, as carried by HTTP dates (RFC 9110 §5.6.7).
///
/// The module never reads a clock: every "now", request time and response time is an
/// `HTTPDate` passed in by the caller. The value is the number of seconds since
/// 1970-01-01T00:00:00Z (Unix time, leap seconds not counted), so it is independent of any local
/// time zone (RFC 9111 §4.2: "A cache recipient MUST NOT allow local time zones to influence the
/// calculation or comparison of an age or expiration time").
///
/// It encodes (`Codable`) as a bare integer number of seconds.
public struct HTTPDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z. Negative values are instants before 1970.
    public var secondsSince1970: Int64

    /// Creates an instant from Unix seconds.
    public init(secondsSince1970: Int64) {
        self.secondsSince1970 = secondsSince1970
    }

    /// Creates an instant from a UTC calendar date, or returns `nil` when a component is out of
    /// range (month 1...12, day valid for that month, hour 0...23, minute 0...59, second 0...60).
    ///
    /// A leap second (`second == 60`) is represented as second 59 of the same minute: RFC 9111
    /// §4.2 asks an implementation whose time has less resolution than the HTTP-date to use "the
    /// nearest time equal to or earlier than the received value".
    public init?(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        guard (1...12).contains(month), (0...23).contains(hour), (0...59).contains(minute),
              (0...60).contains(second), (-1_000_000...1_000_000).contains(year),
              day >= 1, day <= HTTPDate.daysIn(month: month, year: year) else { return nil }
        let days = HTTPDate.daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day))
        let secondOfDay = Int64(hour) * 3600 + Int64(minute) * 60 + Int64(min(second, 59))
        secondsSince1970 = days * 86_400 + secondOfDay
    }

    /// Earlier instants order first.
    public static func < (lhs: HTTPDate, rhs: HTTPDate) -> Bool {
        lhs.secondsSince1970 < rhs.secondsSince1970
    }

    /// This instant moved by `seconds` (negative moves back), saturating instead of overflowing.
    public func adding(seconds: Int64) -> HTTPDate {
        HTTPDate(secondsSince1970: secondsSince1970.saturatingAdd(seconds))
    }

    /// The number of seconds from `earlier` to `self` (negative if `earlier` is later),
    /// saturating instead of overflowing.
    public func seconds(since earlier: HTTPDate) -> Int64 {
        secondsSince1970.saturatingSubtract(earlier.secondsSince1970)
    }

    /// The instant's UTC calendar components (proleptic Gregorian calendar).
    public var components: (year: Int64, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int) {
        let days = HTTPDate.floorDiv(secondsSince1970, 86_400)
        let secondOfDay = HTTPDate.floorMod(secondsSince1970, 86_400)
        let (year, month, day) = HTTPDate.civilFromDays(days)
        // 1970-01-01 was a Thursday; weekday 0 is Sunday.
        let weekday = Int(HTTPDate.floorMod(days + 4, 7))
        return (year, month, day, Int(secondOfDay / 3600), Int(secondOfDay % 3600 / 60), Int(secondOfDay % 60), weekday)
    }

    /// The preferred HTTP-date form (IMF-fixdate, RFC 9110 §5.6.7), e.g.
    /// `Sun, 06 Nov 1994 08:49:37 GMT`.
    ///
    /// IMF-fixdate has a four-digit year, so instants outside years 0001...9999 are clamped to
    /// the nearest representable one.
    public var imfFixdate: String {
        let lowest = HTTPDate(year: 1, month: 1, day: 1)!
        let highest = HTTPDate(year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59)!
        let clamped = min(max(self, lowest), highest)
        let c = clamped.components
        return "\(HTTPDate.shortDayNames[c.weekday]), \(Self.pad(Int64(c.day), 2)) \(HTTPDate.monthNames[c.month - 1]) "
            + "\(Self.pad(c.year, 4)) \(Self.pad(Int64(c.hour), 2)):\(Self.pad(Int64(c.minute), 2)):\(Self.pad(Int64(c.second), 2)) GMT"
    }

    /// The IMF-fixdate form, for logs and test failures.
    public var description: String { imfFixdate }

    /// Decodes from a bare integer number of Unix seconds.
    public init(from decoder: any Decoder) throws {
        secondsSince1970 = try decoder.singleValueContainer().decode(Int64.self)
    }

    /// Encodes as a bare integer number of Unix seconds.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(secondsSince1970)
    }

    // MARK: Parsing (RFC 9110 §5.6.7)

    /// Parses an HTTP-date in any of the three forms RFC 9110 §5.6.7 requires a recipient to
    /// accept, or returns `nil` if the text is not a valid HTTP-date.
    ///
    /// - IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`
    /// - obsolete RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`
    /// - obsolete asctime: `Sun Nov  6 08:49:37 1994`
    ///
    /// Choices, all following the RFC's advice to be robust:
    /// - names are matched case-insensitively (RFC 9111 §4.2: a cache recipient SHOULD);
    /// - runs of spaces or tabs between the parts are accepted, as is surrounding whitespace;
    /// - a one-digit day is accepted in every form; the day name is checked to be a day name
    ///   (short or long) but not cross-checked against the date;
    /// - the zone must be `GMT` (RFC 9111 §4.2: a date with another zone abbreviation SHOULD be
    ///   considered invalid); asctime dates carry no zone and are UTC;
    /// - an RFC 850 date with a four-digit year is accepted as that year;
    /// - a two-digit RFC 850 year is placed in the century of `reference`, and moved back 100
    ///   years if that would be more than 50 years after `reference`'s year (RFC 9110 §5.6.7:
    ///   "MUST interpret a timestamp that appears to be more than 50 years in the future as
    ///   representing the most recent year in the past that had the same last two digits"); the
    ///   comparison is made on years;
    /// - second 60 (a leap second) is accepted and read as second 59.
    ///
    /// - Parameters:
    ///   - text: the field value.
    ///   - reference: the clock value the two-digit-year rule is relative to; for a stored
    ///     response, use the time the response was received.
    /// Parses only the three forms RFC 9110 §5.6.7 defines, spelled exactly as it defines them
    /// (single spaces, a two-digit day, a four-digit year in IMF-fixdate, a two-digit one in
    /// rfc850-date), for `Expires`: RFC 9111 §5.3 says an invalid value, "especially 0", means
    /// already expired, and public cache conformance suites hold doubled spaces or a dashed date
    /// with a four-digit year to be invalid.
    public static func parseStrictly(_ text: some StringProtocol, relativeTo reference: HTTPDate) -> HTTPDate? {
        let trimmed = HeaderFields.trimmingWhitespace(String(text))
        guard trimmed.wholeMatch(of: imfFixdateShape) != nil || trimmed.wholeMatch(of: rfc850Shape) != nil
                || trimmed.wholeMatch(of: asctimeShape) != nil
        else { return nil }
        return parse(trimmed, relativeTo: reference)
    }

    nonisolated(unsafe) private static let imfFixdateShape =
        /(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT/
    nonisolated(unsafe) private static let rfc850Shape =
        /(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), [0-9]{2}-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT/
    nonisolated(unsafe) private static let asctimeShape =
        /(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}/

    /// Parses an HTTP-date leniently, in any of the three forms RFC 9110 §5.6.7 requires a recipient
    /// to accept; `nil` when the text is not one. (The list of forms and lenient choices above
    /// ``parseStrictly(_:relativeTo:)`` describes this method.)
    public static func parse(_ text: some StringProtocol, relativeTo reference: HTTPDate) -> HTTPDate? {
        var tokens: [[UInt8]] = []
        var current: [UInt8] = []
        for byte in text.utf8 {
            if byte == 0x20 || byte == 0x09 {
                if !current.isEmpty { tokens.append(current); current = [] }
            } else {
                current.append(byte)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        guard let first = tokens.first, tokens.count <= 6 else { return nil }

        if first.last == UInt8(ascii: ",") {
            guard isDayName(first.dropLast()) else { return nil }
            if tokens.count == 6 {
                // IMF-fixdate: day-name "," SP day SP month SP year SP time-of-day SP GMT
                guard let day = number(tokens[1], digits: 1...2),
                      let month = monthNumber(tokens[2]),
                      let year = number(tokens[3], digits: 4...4),
                      let time = timeOfDay(tokens[4]),
                      isGMT(tokens[5]) else { return nil }
                return HTTPDate(year: year, month: month, day: day, hour: time.0, minute: time.1, second: time.2)
            } else if tokens.count == 4 {
                // rfc850-date: day-name-l "," SP day "-" month "-" 2DIGIT SP time-of-day SP GMT
                let parts = tokens[1].split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
                guard parts.count == 3,
                      let day = number(parts[0], digits: 1...2),
                      let month = monthNumber(parts[1]),
                      let time = timeOfDay(tokens[2]),
                      isGMT(tokens[3]) else { return nil }
                let year: Int
                if let twoDigit = number(parts[2], digits: 2...2) {
                    let referenceYear = Int(clamping: reference.components.year)
                    var candidate = referenceYear - floorMod(Int64(referenceYear), 100).asInt + twoDigit
                    if candidate > referenceYear + 50 { candidate -= 100 }
                    year = candidate
                } else if let fourDigit = number(parts[2], digits: 4...4) {
                    year = fourDigit
                } else {
                    return nil
                }
                return HTTPDate(year: year, month: month, day: day, hour: time.0, minute: time.1, second: time.2)
            }
            return nil
        }

        // asctime-date: day-name SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP time-of-day SP year
        guard tokens.count == 5, isDayName(first[...]),
              let month = monthNumber(tokens[1]),
              let day = number(tokens[2], digits: 1...2),
              let time = timeOfDay(tokens[3]),
              let year = number(tokens[4], digits: 4...4) else { return nil }
        return HTTPDate(year: year, month: month, day: day, hour: time.0, minute: time.1, second: time.2)
    }

    // MARK: Calendar helpers

    static let shortDayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let longDayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Floor division for a positive divisor, without intermediate overflow.
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return a % b < 0 ? q - 1 : q
    }

    /// Floor modulo for a positive divisor, without intermediate overflow.
    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
        let r = a % b
        return r < 0 ? r + b : r
    }

    static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let monthIndex = (month + 9) % 12
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    static func civilFromDays(_ days: Int64) -> (Int64, Int, Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, Int(month), Int(day))
    }

    private static func lowercased(_ bytes: some Collection<UInt8>) -> [UInt8] {
        bytes.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
    }

    private static func isDayName(_ bytes: ArraySlice<UInt8>) -> Bool {
        let lower = lowercased(bytes)
        return (shortDayNames + longDayNames).contains { Array($0.lowercased().utf8) == lower }
    }

    private static func monthNumber(_ bytes: some Collection<UInt8>) -> Int? {
        let lower = lowercased(bytes)
        return monthNames.firstIndex { Array($0.lowercased().utf8) == lower }.map { $0 + 1 }
    }

    private static func isGMT(_ bytes: [UInt8]) -> Bool {
        lowercased(bytes) == Array("gmt".utf8)
    }

    private static func number(_ bytes: some Collection<UInt8>, digits: ClosedRange<Int>) -> Int? {
        guard digits.contains(bytes.count) else { return nil }
        var value = 0
        for byte in bytes {
            guard (0x30...0x39).contains(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    private static func timeOfDay(_ bytes: [UInt8]) -> (Int, Int, Int)? {
        let parts = bytes.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard parts.count == 3,
              let hour = number(parts[0], digits: 2...2),
              let minute = number(parts[1], digits: 2...2),
              let second = number(parts[2], digits: 2...2) else { return nil }
        return (hour, minute, second)
    }
}

private extension Int64 {
    var asInt: Int { Int(clamping: self) }
}
