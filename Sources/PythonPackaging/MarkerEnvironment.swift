// The values of PEP 508's environment marker variables for a target system, given explicitly or
// derived from a ``PythonEnvironment`` (interpreter and platform tags).

/// The environment a ``Marker`` is evaluated in: the eleven variables of PEP 508
/// §"Environment Markers", each a string (`""` when unknown, as packaging reports an undeterminable
/// value). `extra`, `extras` and `dependency_groups` are not part of it: they are arguments of
/// ``Marker/evaluate(_:extras:dependencyGroups:)``.
public struct MarkerEnvironment: Sendable, Hashable {
    /// `os_name`: `os.name`, e.g. `posix`, `nt`.
    public var osName: String
    /// `sys_platform`: `sys.platform`, e.g. `linux`, `darwin`, `win32`.
    public var sysPlatform: String
    /// `platform_machine`: `platform.machine()`, e.g. `x86_64`, `aarch64`, `arm64`, `AMD64`.
    public var platformMachine: String
    /// `platform_python_implementation`: `platform.python_implementation()`, e.g. `CPython`, `PyPy`.
    public var platformPythonImplementation: String
    /// `platform_release`: `platform.release()`, e.g. `6.1.0-13-amd64`, `23.1.0`.
    public var platformRelease: String
    /// `platform_system`: `platform.system()`, e.g. `Linux`, `Darwin`, `Windows`.
    public var platformSystem: String
    /// `platform_version`: `platform.version()`, e.g. `#1 SMP PREEMPT_DYNAMIC …`.
    public var platformVersion: String
    /// `python_version`: `major.minor`, e.g. `3.11`.
    public var pythonVersion: String
    /// `python_full_version`: `platform.python_version()`, e.g. `3.11.4`, `3.13.0rc1`. A value
    /// ending in `+` (an untagged CPython build) is read as `…+local`, as packaging does.
    public var pythonFullVersion: String
    /// `implementation_name`: `sys.implementation.name`, e.g. `cpython`, `pypy`.
    public var implementationName: String
    /// `implementation_version`: `sys.implementation.version` formatted as packaging does
    /// (`3.11.4`, `3.13.0rc1`, `7.3.16` for PyPy).
    public var implementationVersion: String

    /// An environment with every variable given (unknown ones `""`).
    public init(
        osName: String = "", sysPlatform: String = "", platformMachine: String = "",
        platformPythonImplementation: String = "", platformRelease: String = "", platformSystem: String = "",
        platformVersion: String = "", pythonVersion: String = "", pythonFullVersion: String = "",
        implementationName: String = "", implementationVersion: String = ""
    ) {
        self.osName = osName
        self.sysPlatform = sysPlatform
        self.platformMachine = platformMachine
        self.platformPythonImplementation = platformPythonImplementation
        self.platformRelease = platformRelease
        self.platformSystem = platformSystem
        self.platformVersion = platformVersion
        self.pythonVersion = pythonVersion
        self.pythonFullVersion = pythonFullVersion
        self.implementationName = implementationName
        self.implementationVersion = implementationVersion
    }

    /// The PEP 508 variable names, in the order of PEP 508's table.
    public static let variableNames: [String] = [
        "os_name", "sys_platform", "platform_machine", "platform_python_implementation", "platform_release",
        "platform_system", "platform_version", "python_version", "python_full_version", "implementation_name",
        "implementation_version",
    ]

    /// An environment from a dictionary keyed by PEP 508 variable name (the shape of packaging's
    /// `default_environment()`); a missing variable is `""`. `nil` when a key is not one of
    /// ``variableNames`` (`extra`, `extras` and `dependency_groups` included: they are arguments
    /// of the evaluation).
    public init?(variables: [String: String]) {
        self.init()
        for (name, value) in variables {
            guard let variable = MarkerVariable(rawValue: name), !variable.isSet, variable != .extra else { return nil }
            self[variable] = value
        }
    }

    /// Every variable by its PEP 508 name.
    public var variables: [String: String] {
        var result: [String: String] = [:]
        for name in MarkerEnvironment.variableNames { result[name] = self[MarkerVariable(rawValue: name)!] }
        return result
    }

    /// The value of one of the eleven environment variables.
    subscript(variable: MarkerVariable) -> String {
        get {
            switch variable {
            case .osName: return osName
            case .sysPlatform: return sysPlatform
            case .platformMachine: return platformMachine
            case .platformPythonImplementation: return platformPythonImplementation
            case .platformRelease: return platformRelease
            case .platformSystem: return platformSystem
            case .platformVersion: return platformVersion
            case .pythonVersion: return pythonVersion
            case .pythonFullVersion: return pythonFullVersion
            case .implementationName: return implementationName
            case .implementationVersion: return implementationVersion
            case .extra, .extras, .dependencyGroups: return ""
            }
        }
        set {
            switch variable {
            case .osName: osName = newValue
            case .sysPlatform: sysPlatform = newValue
            case .platformMachine: platformMachine = newValue
            case .platformPythonImplementation: platformPythonImplementation = newValue
            case .platformRelease: platformRelease = newValue
            case .platformSystem: platformSystem = newValue
            case .platformVersion: platformVersion = newValue
            case .pythonVersion: pythonVersion = newValue
            case .pythonFullVersion: pythonFullVersion = newValue
            case .implementationName: implementationName = newValue
            case .implementationVersion: implementationVersion = newValue
            case .extra, .extras, .dependencyGroups: break
            }
        }
    }

    /// The value a marker compares: as stored, except packaging's `_repair_python_full_version`
    /// (`3.13.0+` becomes `3.13.0+local`, a valid PEP 440 version).
    func value(of variable: MarkerVariable) -> String {
        let value = self[variable]
        if variable == .pythonFullVersion, value.unicodeScalars.last == "+" { return value + "local" }
        return value
    }
}

extension MarkerEnvironment {
    /// The environment of a described target, from its implementation, Python version and best
    /// (first) platform tag:
    ///
    /// | first platform | `sys_platform` | `platform_system` | `os_name` | `platform_machine` |
    /// |---|---|---|---|---|
    /// | `manylinux_2_28_x86_64`, `manylinux2014_aarch64`, `musllinux_1_2_aarch64`, `linux_armv7l` | `linux` | `Linux` | `posix` | the architecture (`x86_64`, `aarch64`, `armv7l`, …) |
    /// | `macosx_14_0_arm64`, `macosx_10_9_x86_64` | `darwin` | `Darwin` | `posix` | `arm64`, `x86_64` or `i386`; `""` for multi-architecture tags (`universal2`, `intel`, …) |
    /// | `win_amd64`, `win32`, `win_arm64` | `win32` | `Windows` | `nt` | `AMD64`, `x86`, `ARM64` |
    /// | `android_24_arm64_v8a` (PEP 738) | `android` | `Android` | `posix` | `aarch64`, `armv7l`, `x86_64`, `i686` |
    /// | `ios_17_0_arm64_iphoneos` (PEP 730) | `ios` | `iOS` | `posix` | `""` (iOS reports the device model) |
    /// | anything else, or no platform | `""` | `""` | `""` | `""` |
    ///
    /// `implementation_name` / `platform_python_implementation` are `cpython` / `CPython` or
    /// `pypy` / `PyPy`; for other implementations they come from the interpreter tag
    /// (`graalpy…`: `graalpy` / `GraalVM`, `ip…`: `ironpython` / `IronPython`, `jy…`: `jython` /
    /// `Jython`), else `""`.
    ///
    /// Only the version's components are known: `python_version` is `X.Y` and
    /// `python_full_version` is `X.Y.Z` padded with zeros, so `[3, 11]` gives `3.11` and
    /// `3.11.0` (a marker such as `python_full_version >= "3.11.4"` is then false; pass
    /// `[3, 11, 4]` when the patch level matters). `implementation_version` equals
    /// `python_full_version` for CPython and is `""` otherwise (PyPy's own version is not in its
    /// tags). `platform_release` and `platform_version` (the kernel's release and build) cannot be
    /// derived from tags and are `""`: markers on them compare against the empty string, so
    /// `platform_release >= "5.0"` is false and `platform_release == ""` is true.
    public init(_ environment: PythonEnvironment) {
        self.init()
        switch environment.implementation {
        case .cpython:
            (implementationName, platformPythonImplementation) = ("cpython", "CPython")
        case .pypy:
            (implementationName, platformPythonImplementation) = ("pypy", "PyPy")
        case .other:
            let interpreter = PythonText.lower(environment.interpreter).utf8
            if interpreter.starts(with: "graalpy".utf8) {
                (implementationName, platformPythonImplementation) = ("graalpy", "GraalVM")
            } else if interpreter.starts(with: "ip".utf8) {
                (implementationName, platformPythonImplementation) = ("ironpython", "IronPython")
            } else if interpreter.starts(with: "jy".utf8) {
                (implementationName, platformPythonImplementation) = ("jython", "Jython")
            }
        }
        let version = environment.pythonVersion
        if !version.isEmpty {
            let padded = version + Array(repeating: 0, count: max(0, 3 - version.count))
            pythonVersion = padded.prefix(2).map(String.init).joined(separator: ".")
            pythonFullVersion = padded.map(String.init).joined(separator: ".")
            if environment.implementation == .cpython { implementationVersion = pythonFullVersion }
        }
        if let platform = environment.platforms.first { setPlatform(platform) }
    }

    private mutating func setPlatform(_ platform: String) {
        /// What follows `prefix` and `fields` numeric `_`-terminated fields (`manylinux_2_28_` →
        /// `x86_64`), or `nil`.
        func after(_ prefix: String, fields: Int) -> String? {
            guard platform.utf8.starts(with: prefix.utf8) else { return nil }
            let parts = platform.utf8.dropFirst(prefix.utf8.count)
                .split(separator: UInt8(ascii: "_"), maxSplits: fields, omittingEmptySubsequences: false)
            guard parts.count == fields + 1, !parts[fields].isEmpty,
                parts.prefix(fields).allSatisfy({ PythonText.isASCIIDigits(Substring($0)) })
            else { return nil }
            return String(Substring(parts[fields]))
        }
        let linuxArchitecture = after("manylinux_", fields: 2) ?? after("musllinux_", fields: 2)
            ?? after("manylinux1_", fields: 0) ?? after("manylinux2010_", fields: 0)
            ?? after("manylinux2014_", fields: 0) ?? after("linux_", fields: 0)
        if let linuxArchitecture {
            (sysPlatform, platformSystem, osName, platformMachine) = ("linux", "Linux", "posix", linuxArchitecture)
        } else if let macArchitecture = after("macosx_", fields: 2) {
            let machine = ["arm64", "x86_64", "i386"].contains(macArchitecture) ? macArchitecture : ""
            (sysPlatform, platformSystem, osName, platformMachine) = ("darwin", "Darwin", "posix", machine)
        } else if platform == "win_amd64" || platform == "win32" || platform == "win_arm64" {
            let machine = platform == "win_amd64" ? "AMD64" : platform == "win32" ? "x86" : "ARM64"
            (sysPlatform, platformSystem, osName, platformMachine) = ("win32", "Windows", "nt", machine)
        } else if let abi = after("android_", fields: 1) {
            let machines = ["arm64_v8a": "aarch64", "armeabi_v7a": "armv7l", "x86_64": "x86_64", "x86": "i686"]
            (sysPlatform, platformSystem, osName, platformMachine) = ("android", "Android", "posix", machines[abi] ?? "")
        } else if after("ios_", fields: 2) != nil {
            (sysPlatform, platformSystem, osName) = ("ios", "iOS", "posix")
        }
    }
}
