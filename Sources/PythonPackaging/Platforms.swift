// Platform tag lists, most specific first, derived from one platform tag the way packaging 26.2
// derives them for the running system (`_linux_platforms` with `_manylinux.platform_tags` /
// `_musllinux.platform_tags`, `mac_platforms`, `ios_platforms`, `android_platforms`).

/// Expansion of a platform tag into every platform tag a system of that kind accepts.
public enum Platforms {
    /// Bounds that keep an absurd input (`manylinux_2_999999999_x86_64`) from producing millions
    /// of tags; an input beyond them is returned unexpanded. Real systems are far below them.
    static let maximumMajor = 1_000
    static let maximumMinor = 1_000
    static let maximumAndroidAPILevel = 10_000

    /// The platform tags a system whose most specific tag is `platform` supports, best first.
    ///
    /// - `manylinux_X_Y_<arch>` (and the legacy `manylinux1_`/`manylinux2010_`/`manylinux2014_`
    ///   spellings, read as glibc 2.5/2.12/2.17): a glibc X.Y Linux system of that architecture
    ///   (PEP 600): every `manylinux_X_y` down to the oldest glibc (2.5 on x86_64/i686, 2.17
    ///   elsewhere; other majors down to .0, glibc 1.x reaches back to 2.50 … as packaging assumes
    ///   50 minors per older major), each legacy alias right after its glibc version, then
    ///   `linux_<arch>`. `armv8l` also covers `armv7l`.
    /// - `musllinux_X_Y_<arch>`: `musllinux_X_Y` … `musllinux_X_0` (PEP 656), then `linux_<arch>`.
    /// - `linux_<arch>`: just `linux_<arch>` (no libc known).
    /// - `macosx_X_Y_<arch>`: packaging's `mac_platforms((X, Y), arch)`.
    /// - `ios_X_Y_<multiarch>`: `ios_platforms((X, Y), multiarch)`.
    /// - `android_N_<abi>`: `android_platforms(N, abi)`.
    /// - anything else (`win_amd64`, `any`, …): itself.
    ///
    /// The architecture is taken as compatible as stated: packaging's extra ELF checks of the
    /// running interpreter (armhf, i686) and the `_manylinux` override module do not apply to a
    /// described system.
    public static func expand(_ platform: String) -> [String] {
        if let (major, minor, arch) = parseVersioned(platform, prefix: "manylinux_") {
            return manylinux(glibc: (major, minor), arch: arch) ?? [platform]
        }
        for (legacy, glibc) in [("manylinux1_", (2, 5)), ("manylinux2010_", (2, 12)), ("manylinux2014_", (2, 17))] {
            if platform.utf8.starts(with: legacy.utf8), platform.utf8.count > legacy.utf8.count {
                let arch = String(decoding: platform.utf8.dropFirst(legacy.utf8.count), as: UTF8.self)
                return manylinux(glibc: glibc, arch: arch) ?? [platform]
            }
        }
        if let (major, minor, arch) = parseVersioned(platform, prefix: "musllinux_") {
            return musllinux(musl: (major, minor), arch: arch) ?? [platform]
        }
        if let (major, minor, arch) = parseVersioned(platform, prefix: "macosx_") {
            return macOS(version: (major, minor), arch: arch) ?? [platform]
        }
        if let (major, minor, multiarch) = parseVersioned(platform, prefix: "ios_") {
            return iOS(version: (major, minor), multiarch: multiarch) ?? [platform]
        }
        if let (level, abi) = parseAndroid(platform) {
            return android(apiLevel: level, abi: abi) ?? [platform]
        }
        if platform.utf8.starts(with: "linux_".utf8), platform.utf8.count > 6 {
            let arch = String(decoding: platform.utf8.dropFirst(6), as: UTF8.self)
            return linuxArchitectures(arch).map { "linux_\($0)" }
        }
        return [platform]
    }

    /// `<prefix>X_Y_<rest>` with X and Y ASCII digits and a non-empty rest.
    private static func parseVersioned(_ platform: String, prefix: String) -> (Int, Int, String)? {
        guard platform.utf8.starts(with: prefix.utf8) else { return nil }
        let fields = platform.utf8.dropFirst(prefix.utf8.count)
            .split(separator: UInt8(ascii: "_"), maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, !fields[2].isEmpty,
            let major = smallNumber(fields[0]), let minor = smallNumber(fields[1])
        else { return nil }
        return (major, minor, String(decoding: fields[2], as: UTF8.self))
    }

    private static func parseAndroid(_ platform: String) -> (Int, String)? {
        guard platform.utf8.starts(with: "android_".utf8) else { return nil }
        let fields = platform.utf8.dropFirst(8).split(separator: UInt8(ascii: "_"), maxSplits: 1, omittingEmptySubsequences: false)
        guard fields.count == 2, !fields[1].isEmpty, let level = smallNumber(fields[0]) else { return nil }
        return (level, String(decoding: fields[1], as: UTF8.self))
    }

    private static func smallNumber(_ bytes: Substring.UTF8View) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 9, bytes.allSatisfy(PythonText.isASCIIDigit) else { return nil }
        return Int(String(decoding: bytes, as: UTF8.self))
    }

    /// `{"armv8l": ["armv8l", "armv7l"]}.get(arch, [arch])` from packaging's `_linux_platforms`.
    static func linuxArchitectures(_ arch: String) -> [String] {
        arch == "armv8l" ? ["armv8l", "armv7l"] : [arch]
    }

    /// packaging's `_manylinux.platform_tags(archs)` for a system with glibc `glibc`, followed by
    /// `linux_<arch>` for each architecture. `nil` when the numbers exceed the safety bounds.
    public static func manylinux(glibc: (major: Int, minor: Int), arch: String) -> [String]? {
        guard glibc.major <= maximumMajor, glibc.minor <= maximumMinor else { return nil }
        let archs = linuxArchitectures(arch)
        // The oldest glibc PEP 600 tags reach: 2.17 in general, 2.5 on x86_64 / i686.
        let tooOld = archs.contains("x86_64") || archs.contains("i686") ? (2, 4) : (2, 16)
        // Assume compatibility across glibc majors; packaging guesses 50 as an older major's
        // last minor.
        var maxima = [(glibc.major, glibc.minor)]
        var major = glibc.major - 1
        while major > 1 {
            maxima.append((major, 50))
            major -= 1
        }
        var result: [String] = []
        for arch in archs {
            for (maxMajor, maxMinor) in maxima {
                let minMinor = maxMajor == tooOld.0 ? tooOld.1 : -1
                var minor = maxMinor
                while minor > minMinor {
                    // `_is_compatible`: the system glibc must be at least this version.
                    if (glibc.major, glibc.minor) >= (maxMajor, minor) {
                        result.append("manylinux_\(maxMajor)_\(minor)_\(arch)")
                        switch (maxMajor, minor) {
                        case (2, 17): result.append("manylinux2014_\(arch)")
                        case (2, 12): result.append("manylinux2010_\(arch)")
                        case (2, 5): result.append("manylinux1_\(arch)")
                        default: break
                        }
                    }
                    minor -= 1
                }
            }
        }
        for arch in archs { result.append("linux_\(arch)") }
        return result
    }

    /// packaging's `_musllinux.platform_tags(archs)` for musl `musl`, then `linux_<arch>`.
    public static func musllinux(musl: (major: Int, minor: Int), arch: String) -> [String]? {
        guard musl.major <= maximumMajor, musl.minor <= maximumMinor else { return nil }
        let archs = linuxArchitectures(arch)
        var result: [String] = []
        for arch in archs {
            var minor = musl.minor
            while minor >= 0 {
                result.append("musllinux_\(musl.major)_\(minor)_\(arch)")
                minor -= 1
            }
        }
        for arch in archs { result.append("linux_\(arch)") }
        return result
    }

    /// packaging's `_mac_binary_formats`.
    static func macBinaryFormats(version: (Int, Int), arch: String) -> [String] {
        var formats = [arch]
        switch arch {
        case "x86_64":
            if version < (10, 4) { return [] }
            formats += ["intel", "fat64", "fat32"]
        case "i386":
            if version < (10, 4) { return [] }
            formats += ["intel", "fat32", "fat"]
        case "ppc64":
            if version > (10, 5) || version < (10, 4) { return [] }
            formats.append("fat64")
        case "ppc":
            if version > (10, 6) { return [] }
            formats += ["fat32", "fat"]
        default:
            break
        }
        if arch == "arm64" || arch == "x86_64" { formats.append("universal2") }
        if ["x86_64", "i386", "ppc64", "ppc", "intel"].contains(arch) { formats.append("universal") }
        return formats
    }

    /// packaging's `mac_platforms(version, arch)`: for 10.x every minor from the given one down to
    /// 10.0; for 11+ every major from the given one down to 11 with minor 0 (the given minor is
    /// not used), then 10.16 … 10.4 (x86_64: all binary formats; others: `universal2` only).
    public static func macOS(version: (major: Int, minor: Int), arch: String) -> [String]? {
        guard version.major <= maximumMajor, version.minor <= maximumMinor else { return nil }
        var result: [String] = []
        func emit(_ major: Int, _ minor: Int) {
            for format in macBinaryFormats(version: (major, minor), arch: arch) {
                result.append("macosx_\(major)_\(minor)_\(format)")
            }
        }
        let v = (version.major, version.minor)
        if v >= (10, 0) && v < (11, 0) {
            var minor = version.minor
            while minor >= 0 {
                emit(10, minor)
                minor -= 1
            }
        }
        if v >= (11, 0) {
            var major = version.major
            while major > 10 {
                emit(major, 0)
                major -= 1
            }
            for minor in stride(from: 16, to: 3, by: -1) {
                if arch == "x86_64" {
                    emit(10, minor)
                } else {
                    result.append("macosx_10_\(minor)_universal2")
                }
            }
        }
        return result
    }

    /// packaging's `ios_platforms(version, multiarch)`: nothing below iOS 12; else X.Y, X.(Y-1) …
    /// X.0, then every .9 … 12.0.
    public static func iOS(version: (major: Int, minor: Int), multiarch: String) -> [String]? {
        guard version.major <= maximumMajor, version.minor <= maximumMinor else { return nil }
        let multiarch = String(decoding: multiarch.utf8.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
        guard version.major >= 12 else { return [] }
        var result = ["ios_\(version.major)_\(version.minor)_\(multiarch)"]
        var minor = version.minor - 1
        while minor >= 0 {
            result.append("ios_\(version.major)_\(minor)_\(multiarch)")
            minor -= 1
        }
        var major = version.major - 1
        while major > 11 {
            for minor in stride(from: 9, through: 0, by: -1) { result.append("ios_\(major)_\(minor)_\(multiarch)") }
            major -= 1
        }
        return result
    }

    /// packaging's `android_platforms(api_level, abi)`: `android_N_<abi>` for N from the given
    /// level down to 16 (`.`, `-` and spaces in the ABI become `_`).
    public static func android(apiLevel: Int, abi: String) -> [String]? {
        guard apiLevel <= maximumAndroidAPILevel else { return nil }
        let abi = String(decoding: abi.utf8.map {
            $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: " ") ? UInt8(ascii: "_") : $0
        }, as: UTF8.self)
        var result: [String] = []
        var level = apiLevel
        while level >= 16 {
            result.append("android_\(level)_\(abi)")
            level -= 1
        }
        return result
    }
}
