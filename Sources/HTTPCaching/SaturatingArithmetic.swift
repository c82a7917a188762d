// Saturating arithmetic for all time and age calculations.
//
// RFC 9111 §1.2.2: "If a cache receives a delta-seconds value greater than the greatest integer
// it can represent, or if any of its subsequent calculations overflows, the cache MUST consider
// the value to be 2147483648 (2^31) or the greatest positive integer it can conveniently
// represent." Parsing clamps delta-seconds to 2^31 (``deltaSecondsLimit``); every later
// calculation saturates at `Int64.min` / `Int64.max` instead of trapping, so that no header value
// or clock value can crash the process.

/// The value RFC 9111 §1.2.2 tells a cache to use for a delta-seconds value it cannot represent.
let deltaSecondsLimit: Int64 = 2_147_483_648

extension Int64 {
    /// `self + other`, clamped to `Int64.min ... Int64.max` instead of trapping.
    @inline(__always)
    func saturatingAdd(_ other: Int64) -> Int64 {
        let (result, overflow) = addingReportingOverflow(other)
        if !overflow { return result }
        return other > 0 ? .max : .min
    }

    /// `self - other`, clamped to `Int64.min ... Int64.max` instead of trapping.
    @inline(__always)
    func saturatingSubtract(_ other: Int64) -> Int64 {
        let (result, overflow) = subtractingReportingOverflow(other)
        if !overflow { return result }
        return other < 0 ? .max : .min
    }

    /// `self * other`, clamped to `Int64.min ... Int64.max` instead of trapping.
    @inline(__always)
    func saturatingMultiply(_ other: Int64) -> Int64 {
        let (result, overflow) = multipliedReportingOverflow(by: other)
        if !overflow { return result }
        return (self < 0) == (other < 0) ? .max : .min
    }
}
