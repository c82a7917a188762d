import Testing
@testable import HTTPCaching

/// 1994-11-06T08:49:37Z, the RFC 9110 §5.6.7 example.
let rfcExample = HTTPDate(year: 1994, month: 11, day: 6, hour: 8, minute: 49, second: 37)!

@Suite("HTTP-date (RFC 9110 §5.6.7)")
struct HTTPDateTests {
    static let reference = HTTPDate(year: 2026, month: 3, day: 3)!

    static let valid: [Case<String, HTTPDate>] = [
        Case("IMF-fixdate, the preferred form", "Sun, 06 Nov 1994 08:49:37 GMT", rfcExample),
        Case("RFC 850 obsolete form", "Sunday, 06-Nov-94 08:49:37 GMT", rfcExample),
        Case("asctime obsolete form, one-digit day padded with a space", "Sun Nov  6 08:49:37 1994", rfcExample),
        Case("asctime with a two-digit day", "Tue Nov 15 12:45:26 1994", HTTPDate(year: 1994, month: 11, day: 15, hour: 12, minute: 45, second: 26)!),
        Case("asctime with a zero-padded day", "Sun Nov 06 08:49:37 1994", rfcExample),
        Case("asctime with a single space before a one-digit day (lenient)", "Sun Nov 6 08:49:37 1994", rfcExample),
        Case("lowercase names matched case-insensitively (RFC 9111 §4.2)", "sun, 06 nov 1994 08:49:37 gmt", rfcExample),
        Case("uppercase names matched case-insensitively (RFC 9111 §4.2)", "SUN, 06 NOV 1994 08:49:37 GMT", rfcExample),
        Case("uppercase RFC 850 day name", "SUNDAY, 06-NOV-94 08:49:37 GMT", rfcExample),
        Case("surrounding whitespace is ignored", "  Sun, 06 Nov 1994 08:49:37 GMT\t", rfcExample),
        Case("runs of spaces between parts are accepted", "Sun,  06  Nov  1994  08:49:37  GMT", rfcExample),
        Case("one-digit day in IMF-fixdate (robust parsing)", "Sun, 6 Nov 1994 08:49:37 GMT", rfcExample),
        Case("weekday not cross-checked against the date", "Mon, 06 Nov 1994 08:49:37 GMT", rfcExample),
        Case("long day name with IMF layout accepted", "Sunday, 06 Nov 1994 08:49:37 GMT", rfcExample),
        Case("short day name with RFC 850 layout accepted", "Sun, 06-Nov-94 08:49:37 GMT", rfcExample),
        Case("RFC 850 with a four-digit year (cookie style)", "Sunday, 06-Nov-1994 08:49:37 GMT", rfcExample),
        Case("Unix epoch", "Thu, 01 Jan 1970 00:00:00 GMT", HTTPDate(secondsSince1970: 0)),
        Case("before the epoch", "Wed, 31 Dec 1969 23:59:59 GMT", HTTPDate(secondsSince1970: -1)),
        Case("leap day in a leap year", "Thu, 29 Feb 2024 12:00:00 GMT", HTTPDate(year: 2024, month: 2, day: 29, hour: 12)!),
        Case("leap day in a 400-year leap year", "Tue, 29 Feb 2000 00:00:00 GMT", HTTPDate(year: 2000, month: 2, day: 29)!),
        Case("leap second read as second 59 (RFC 9111 §4.2 nearest earlier)", "Sat, 31 Dec 2016 23:59:60 GMT", HTTPDate(year: 2016, month: 12, day: 31, hour: 23, minute: 59, second: 59)!),
        Case("year 9999", "Fri, 31 Dec 9999 23:59:59 GMT", HTTPDate(year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59)!),
        Case("year 0001", "Mon, 01 Jan 0001 00:00:00 GMT", HTTPDate(year: 1, month: 1, day: 1)!),
        Case("midnight", "Tue, 14 Nov 2023 00:00:00 GMT", HTTPDate(year: 2023, month: 11, day: 14)!),
        Case("end of day", "Tue, 14 Nov 2023 23:59:59 GMT", HTTPDate(year: 2023, month: 11, day: 14, hour: 23, minute: 59, second: 59)!),
        Case("every month: Jan", "Mon, 15 Jan 2024 00:00:00 GMT", HTTPDate(year: 2024, month: 1, day: 15)!),
        Case("every month: Feb", "Thu, 15 Feb 2024 00:00:00 GMT", HTTPDate(year: 2024, month: 2, day: 15)!),
        Case("every month: Mar", "Fri, 15 Mar 2024 00:00:00 GMT", HTTPDate(year: 2024, month: 3, day: 15)!),
        Case("every month: Apr", "Mon, 15 Apr 2024 00:00:00 GMT", HTTPDate(year: 2024, month: 4, day: 15)!),
        Case("every month: May", "Wed, 15 May 2024 00:00:00 GMT", HTTPDate(year: 2024, month: 5, day: 15)!),
        Case("every month: Jun", "Sat, 15 Jun 2024 00:00:00 GMT", HTTPDate(year: 2024, month: 6, day: 15)!),
        Case("every month: Jul", "Mon, 15 Jul 2024 00:00:00 GMT", HTTPDate(year: 2024, month: 7, day: 15)!),
        Case("every month: Aug", "Thu, 15 Aug 2024 00:00:00 GMT", HTTPDate(year: 2024, month: 8, day: 15)!),
        Case("every month: Sep", "Sun, 15 Sep 2024 00:00:00 GMT", HTTPDate(year: 2024, month: 9, day: 15)!),
        Case("every month: Oct", "Tue, 15 Oct 2024 00:00:00 GMT", HTTPDate(year: 2024, month: 10, day: 15)!),
        Case("every month: Nov", "Fri, 15 Nov 2024 00:00:00 GMT", HTTPDate(year: 2024, month: 11, day: 15)!),
        Case("every month: Dec", "Sun, 15 Dec 2024 00:00:00 GMT", HTTPDate(year: 2024, month: 12, day: 15)!),
    ]

    @Test("valid HTTP-date forms parse", arguments: valid)
    func parsesValid(_ row: Case<String, HTTPDate>) {
        #expect(HTTPDate.parse(row.input, relativeTo: Self.reference) == row.expected)
    }

    static let invalid: [Case<String, Void>] = [
        Case("the value 0 (RFC 9111 §5.3 example of an invalid Expires)", "0", ()),
        Case("-1", "-1", ()),
        Case("empty string", "", ()),
        Case("only whitespace", "   ", ()),
        Case("zone other than GMT is invalid (RFC 9111 §4.2)", "Sun, 06 Nov 1994 08:49:37 EST", ()),
        Case("UTC instead of GMT", "Sun, 06 Nov 1994 08:49:37 UTC", ()),
        Case("numeric zone +0000", "Sun, 06 Nov 1994 08:49:37 +0000", ()),
        Case("missing zone in IMF-fixdate", "Sun, 06 Nov 1994 08:49:37", ()),
        Case("missing zone in RFC 850", "Sunday, 06-Nov-94 08:49:37", ()),
        Case("asctime with a zone appended", "Sun Nov  6 08:49:37 1994 GMT", ()),
        Case("ISO 8601", "1994-11-06T08:49:37Z", ()),
        Case("Unix seconds", "784111777", ()),
        Case("day 32", "Sun, 32 Nov 1994 08:49:37 GMT", ()),
        Case("day 0", "Sun, 00 Nov 1994 08:49:37 GMT", ()),
        Case("31 November", "Sun, 31 Nov 1994 08:49:37 GMT", ()),
        Case("29 February in a non-leap year", "Thu, 29 Feb 2023 00:00:00 GMT", ()),
        Case("29 February 1900 (century, not leap)", "Thu, 29 Feb 1900 00:00:00 GMT", ()),
        Case("unknown month", "Sun, 06 Nox 1994 08:49:37 GMT", ()),
        Case("numeric month", "Sun, 06 11 1994 08:49:37 GMT", ()),
        Case("unknown day name", "Xyz, 06 Nov 1994 08:49:37 GMT", ()),
        Case("missing day name", "06 Nov 1994 08:49:37 GMT", ()),
        Case("hour 24", "Sun, 06 Nov 1994 24:00:00 GMT", ()),
        Case("minute 60", "Sun, 06 Nov 1994 08:60:00 GMT", ()),
        Case("second 61", "Sun, 06 Nov 1994 08:49:61 GMT", ()),
        Case("one-digit hour", "Sun, 06 Nov 1994 8:49:37 GMT", ()),
        Case("missing seconds", "Sun, 06 Nov 1994 08:49 GMT", ()),
        Case("two-digit year in IMF-fixdate", "Sun, 06 Nov 94 08:49:37 GMT", ()),
        Case("three-digit year in RFC 850", "Sunday, 06-Nov-994 08:49:37 GMT", ()),
        Case("five-digit year", "Sun, 06 Nov 19940 08:49:37 GMT", ()),
        Case("trailing garbage", "Sun, 06 Nov 1994 08:49:37 GMT extra", ()),
        Case("missing comma after day name in IMF layout", "Sun 06 Nov 1994 08:49:37 GMT", ()),
        Case("RFC 850 with slashes", "Sunday, 06/Nov/94 08:49:37 GMT", ()),
        Case("asctime missing year", "Sun Nov  6 08:49:37", ()),
        Case("negative day", "Sun, -6 Nov 1994 08:49:37 GMT", ()),
        Case("garbage bytes", "\u{0}\u{1}\u{FFFD}ÿ", ()),
        Case("comma only", ",", ()),
        Case("non-ASCII digits", "Sun, ٠٦ Nov 1994 08:49:37 GMT", ()),
        Case("day name only", "Sunday,", ()),
        Case("too many parts", "Sun, 06 Nov 1994 08:49:37 GMT GMT GMT", ()),
    ]

    @Test("invalid HTTP-dates are rejected", arguments: invalid)
    func rejectsInvalid(_ row: Case<String, Void>) {
        #expect(HTTPDate.parse(row.input, relativeTo: Self.reference) == nil)
    }

    /// (two-digit year, reference year, expected year)
    static let twoDigitYears: [Case<(String, Int), Int>] = [
        Case("94 relative to 2026 is in the past century (more than 50 years ahead otherwise)", ("94", 2026), 1994),
        Case("26 relative to 2026 is this year", ("26", 2026), 2026),
        Case("76 relative to 2026 is exactly 50 years ahead: kept", ("76", 2026), 2076),
        Case("77 relative to 2026 is 51 years ahead: previous century", ("77", 2026), 1977),
        Case("00 relative to 2026", ("00", 2026), 2000),
        Case("25 relative to 2026 is last year", ("25", 2026), 2025),
        Case("70 relative to 2026 is 44 years ahead: kept", ("70", 2026), 2070),
        Case("99 relative to 2026", ("99", 2026), 1999),
        Case("99 relative to 1999", ("99", 1999), 1999),
        Case("00 relative to 1999 is 1900 (the century of the reference)", ("00", 1999), 1900),
        Case("49 relative to 1999 is 1949", ("49", 1999), 1949),
        Case("30 relative to 2090 is 2030", ("30", 2090), 2030),
        Case("40 relative to 2090", ("40", 2090), 2040),
        Case("10 relative to 2070 stays 2010", ("10", 2070), 2010),
        Case("20 relative to 2070 is 2020", ("20", 2070), 2020),
        Case("21 relative to 2070", ("21", 2070), 2021),
        Case("50 relative to 2000 is exactly 50 years ahead: kept", ("50", 2000), 2050),
        Case("51 relative to 2000 goes back", ("51", 2000), 1951),
    ]

    @Test("RFC 850 two-digit year: more than 50 years ahead means the previous century", arguments: twoDigitYears)
    func twoDigitYear(_ row: Case<(String, Int), Int>) {
        let reference = HTTPDate(year: row.input.1, month: 6, day: 1)!
        let parsed = HTTPDate.parse("Monday, 01-Mar-\(row.input.0) 00:00:00 GMT", relativeTo: reference)
        #expect(parsed?.components.year == Int64(row.expected))
    }

    static let roundTrips: [Int64] = [
        0, 1, -1, 86_399, 86_400, 784_111_777, 951_782_400, 1_700_000_000, 1_709_164_800, 2_147_483_647,
        2_147_483_648, 4_102_444_800, 253_402_300_799, -2_208_988_800, -62_135_596_800,
    ]

    @Test("IMF-fixdate formatting round-trips through parsing", arguments: roundTrips)
    func roundTrip(_ seconds: Int64) {
        let date = HTTPDate(secondsSince1970: seconds)
        #expect(HTTPDate.parse(date.imfFixdate, relativeTo: Self.reference) == date)
    }

    @Test("formatting gives the RFC example exactly")
    func formatsExample() {
        #expect(rfcExample.imfFixdate == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate(secondsSince1970: 0).imfFixdate == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(t0.imfFixdate == "Tue, 14 Nov 2023 22:13:20 GMT")
    }

    @Test("formatting clamps instants outside years 1-9999 instead of trapping")
    func formatsExtremes() {
        #expect(HTTPDate(secondsSince1970: .max).imfFixdate == "Fri, 31 Dec 9999 23:59:59 GMT")
        #expect(HTTPDate(secondsSince1970: .min).imfFixdate == "Mon, 01 Jan 0001 00:00:00 GMT")
    }

    @Test("arithmetic saturates instead of overflowing")
    func saturates() {
        #expect(HTTPDate(secondsSince1970: .max).adding(seconds: 10).secondsSince1970 == .max)
        #expect(HTTPDate(secondsSince1970: .min).adding(seconds: -10).secondsSince1970 == .min)
        #expect(HTTPDate(secondsSince1970: .max).seconds(since: HTTPDate(secondsSince1970: .min)) == .max)
        #expect(HTTPDate(secondsSince1970: .min).seconds(since: HTTPDate(secondsSince1970: .max)) == .min)
    }

    @Test("calendar initializer rejects impossible components")
    func calendarValidation() {
        #expect(HTTPDate(year: 2023, month: 13, day: 1) == nil)
        #expect(HTTPDate(year: 2023, month: 0, day: 1) == nil)
        #expect(HTTPDate(year: 2023, month: 4, day: 31) == nil)
        #expect(HTTPDate(year: 2023, month: 1, day: 1, hour: 24) == nil)
        #expect(HTTPDate(year: 2024, month: 2, day: 29) != nil)
    }

    @Test("every day of 2023-2024 round-trips through the calendar")
    func everyDay() {
        for day in Int64(19_358)...Int64(20_089) {
            let date = HTTPDate(secondsSince1970: day * 86_400 + 3_661)
            let c = date.components
            #expect(HTTPDate(year: Int(c.year), month: c.month, day: c.day, hour: c.hour, minute: c.minute, second: c.second) == date)
            #expect(c.hour == 1 && c.minute == 1 && c.second == 1)
        }
    }

    @Test("Codable encodes Unix seconds")
    func codable() throws {
        let encoded = try JSONEncoderShim.encode(t0)
        #expect(encoded == "1700000000")
    }
}
