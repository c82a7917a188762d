import ArgumentParser
import ArtifactStore
import Foundation
import LockFiles
import PythonPackaging

/// The target-environment options of `can-install` and `export`.
struct EnvironmentOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The Python version to install for, e.g. 3.11 or 3.11.7 (default: python3 on PATH).", valueName: "X.Y"))
    var python: String?
    @Option(help: ArgumentHelp(
        "A platform tag, expanded as installers do (manylinux_2_28_x86_64 also accepts manylinux_2_17…, linux_x86_64); repeatable.",
        valueName: "tag"))
    var platform: [String] = []
    @Option(help: ArgumentHelp("The implementation: cp (CPython, default) or pp (PyPy).", valueName: "cp|pp"))
    var implementation: String?
    @Option(help: ArgumentHelp("An ABI tag (default: cpXY for CPython, pypyXY_pp73 for PyPy); repeatable.", valueName: "abi"))
    var abi: [String] = []

    var isExplicit: Bool { python != nil || !platform.isEmpty || implementation != nil || !abi.isEmpty }

    /// The environment the options describe, or this machine's when none is given.
    func resolve() throws -> TargetEnvironment {
        guard isExplicit else { return try MachineEnvironment.detect() }
        guard let python else {
            throw ValidationError("--python is required with --platform/--implementation/--abi (e.g. --python 3.11)")
        }
        guard !platform.isEmpty else {
            throw ValidationError("--platform is required with --python (e.g. --platform manylinux_2_28_x86_64, macosx_14_0_arm64, win_amd64)")
        }
        let parts = python.split(separator: ".").map { Int($0) }
        guard parts.count >= 2, parts.count <= 3, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else {
            throw ValidationError("--python takes a version like 3.11 or 3.11.7, got \"\(python)\"")
        }
        // Tags are expanded for every minor version up to this one (cp3X-abi3, py3X): bound it,
        // so that a typo cannot ask for a million of them.
        guard (2...3).contains(parts[0]!), parts[1]! <= 99, (parts.count < 3 || parts[2]! <= 999) else {
            throw ValidationError("--python \(python) is not a Python version this tool can target: give 2.x or 3.x with a minor version up to 99, e.g. --python 3.11")
        }
        let version = parts.map { $0! }
        let nodot = "\(version[0])\(version[1])"
        let platforms = platform.flatMap(Platforms.expand).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let environment: PythonEnvironment
        switch implementation?.lowercased() ?? "cp" {
        case "cp", "cpython":
            environment = PythonEnvironment(implementation: .cpython, interpreter: "cp\(nodot)", pythonVersion: version,
                                            abis: abi.isEmpty ? ["cp\(nodot)"] : abi, platforms: platforms)
        case "pp", "pypy":
            environment = PythonEnvironment(implementation: .pypy, interpreter: "pp\(nodot)", pythonVersion: version,
                                            abis: abi.isEmpty ? ["pypy\(nodot)_pp73"] : abi, platforms: platforms)
        default:
            throw ValidationError("--implementation takes cp (CPython) or pp (PyPy), got \"\(implementation!)\"")
        }
        var options = "--python \(python)" + platform.map { " --platform \($0)" }.joined()
        if let implementation { options += " --implementation \(implementation)" }
        options += abi.map { " --abi \($0)" }.joined()
        let name = environment.implementation == .pypy ? "PyPy" : "CPython"
        return TargetEnvironment(environment, summary: "\(name) \(python) on \(platform.joined(separator: ", "))", commandLineOptions: options)
    }
}

/// This machine's environment, found the way installers find it: by asking the `python3` on PATH.
enum MachineEnvironment {
    /// Prints the interpreter's facts as JSON; its tags from `packaging.tags.sys_tags()` (or pip's
    /// vendored copy) when importable.
    static let script = #"""
        import json, platform, sys, sysconfig
        out = {"implementation": sys.implementation.name, "version": list(sys.version_info[:3]),
               "platform": sysconfig.get_platform(), "libc": list(platform.libc_ver()), "machine": platform.machine(),
               "freeThreaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")), "executable": sys.executable}
        tags = None
        try:
            from packaging import tags
        except Exception:
            try:
                from pip._vendor.packaging import tags
            except Exception:
                tags = None
        if tags is not None:
            out["tags"] = [str(t) for t in tags.sys_tags()]
        # PEP 508 "Environment Markers": the values installers evaluate markers with.
        import os
        impl = sys.implementation
        iv = "{0.major}.{0.minor}.{0.micro}".format(impl.version)
        if impl.version.releaselevel != "final":
            iv += impl.version.releaselevel[0] + str(impl.version.serial)
        out["markers"] = {"os_name": os.name, "sys_platform": sys.platform, "platform_machine": platform.machine(),
            "platform_python_implementation": platform.python_implementation(), "platform_release": platform.release(),
            "platform_system": platform.system(), "platform_version": platform.version(),
            "python_version": ".".join(platform.python_version_tuple()[:2]), "python_full_version": platform.python_version(),
            "implementation_name": impl.name, "implementation_version": iv}
        print(json.dumps(out))
        """#

    struct Facts: Decodable {
        var implementation: String
        var version: [Int]
        var platform: String
        var libc: [String]
        var machine: String
        var freeThreaded: Bool
        var executable: String
        var tags: [String]?
        var markers: [String: String]?
    }

    static func detect() throws -> TargetEnvironment {
        let facts: Facts
        do {
            facts = try ask()
        } catch {
            throw ValidationError("cannot detect this machine's Python (\(error)); give the target explicitly, e.g. --python 3.11 --platform manylinux_2_28_x86_64")
        }
        let versionText = facts.version.map(String.init).joined(separator: ".")
        let name = facts.implementation == "cpython" ? "CPython" : facts.implementation
        if let tags = facts.tags, !tags.isEmpty {
            let parsed = tags.compactMap { text -> Tag? in
                let parts = text.split(separator: "-", omittingEmptySubsequences: false)
                return parts.count == 3 ? Tag(interpreter: String(parts[0]), abi: String(parts[1]), platform: String(parts[2])) : nil
            }
            let platforms = parsed.map(\.platform).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            let derived = MarkerEnvironment(PythonEnvironment(
                implementation: facts.implementation == "pypy" ? .pypy : facts.implementation == "cpython" ? .cpython : .other,
                interpreter: parsed.first?.interpreter ?? "", pythonVersion: facts.version, abis: [], platforms: platforms))
            return TargetEnvironment(pythonVersion: facts.version, tags: parsed, markerEnvironment: facts.markers.flatMap(MarkerEnvironment.init(variables:)) ?? derived,
                                     summary: "\(name) \(versionText) at \(facts.executable) (\(parsed.first?.platform ?? "?"), \(parsed.count) tags)")
        }
        // No packaging module: rebuild the tags from the interpreter's facts.
        guard facts.version.count >= 2 else { throw ValidationError("python3 reported no version; give --python and --platform") }
        let platforms = platformTags(facts)
        let nodot = "\(facts.version[0])\(facts.version[1])"
        let environment: PythonEnvironment = facts.implementation == "pypy"
            ? PythonEnvironment(implementation: .pypy, interpreter: "pp\(nodot)", pythonVersion: facts.version, abis: ["pypy\(nodot)_pp73"], platforms: platforms)
            : PythonEnvironment.cpython(facts.version[0], facts.version[1], freeThreaded: facts.freeThreaded, platforms: platforms)
        var target = TargetEnvironment(environment, summary: "\(name) \(versionText) at \(facts.executable) (\(platforms.first ?? "?"))")
        target.pythonVersion = facts.version
        if let markers = facts.markers.flatMap(MarkerEnvironment.init(variables:)) { target.markerEnvironment = markers }
        return target
    }

    /// `linux-x86_64` with glibc 2.36 → `manylinux_2_36_x86_64` expanded; macOS → `macosx_X_Y_arch`.
    static func platformTags(_ facts: Facts) -> [String] {
        let platform = facts.platform.replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_")
        if platform.hasPrefix("linux_"), facts.libc.first == "glibc", facts.libc.count == 2 {
            let glibc = facts.libc[1].split(separator: ".")
            if glibc.count >= 2 {
                return Platforms.expand("manylinux_\(glibc[0])_\(glibc[1])_\(facts.machine)")
            }
        }
        return Platforms.expand(platform)
    }

    private static func ask() throws -> Facts {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "python3 is not on PATH or failed (status \(process.terminationStatus))"])
        }
        return try JSONDecoder().decode(Facts.self, from: data)
    }
}

/// The options `can-install` and `export` share: where to look, for which environment, under
/// which policy; and the answer they both start from.
struct ResolutionOptions: ParsableArguments {
    @Option(name: .customLong("index"), help: ArgumentHelp("A simple-repository base URL, in priority order (repeatable).", valueName: "url"))
    var indexes: [String] = []
    @OptionGroup var environmentOptions: EnvironmentOptions
    @Option(name: .customLong("policy"), help: "The policy: online, offline (default, or the config file's) or archive.") var policyOption: CachePolicy?
    /// `--policy`, else the config file's, else `offline`.
    var policy: CachePolicy { policyOption ?? ConfigFile.active?.policy ?? .offline }
    @Option(help: "How several indexes combine: first-index (default) or unsafe-best-match.") var indexStrategy: IndexStrategy = .firstIndex

    /// Answers each requirement: the environment, then one verdict per requirement.
    func verdicts(for requirements: [String], store: () throws -> Store, verifyFiles: Bool) throws -> (TargetEnvironment, [InstallVerdict]) {
        let parsed = try requirements.map(InstallRequirement.init(parsing:))
        let environment = try environmentOptions.resolve()
        let store = try store()
        let verdicts = try parsed.map {
            try store.canInstall(requirement: $0, indexes: indexes, environment: environment, policy: policy, strategy: indexStrategy, verifyFiles: verifyFiles)
        }
        return (environment, verdicts)
    }

    /// Answers for whole environments: the lock file, each requirements file, and the requirement
    /// strings (with `--with-deps`, followed through their dependencies).
    func environmentVerdicts(requirements: [String], inputs: EnvironmentInputs, store: () throws -> Store, verifyFiles: Bool) throws -> (TargetEnvironment, [EnvironmentVerdict]) {
        let question = try EnvironmentQuestion(requirements: requirements, inputs: inputs, indexes: indexes, policy: policy, strategy: indexStrategy)
        let environment = try environmentOptions.resolve()
        return (environment, try question.answer(in: try store(), for: environment, verifyFiles: verifyFiles))
    }
}

/// What `can-install`, `export` and `prefetch` ask of a whole environment, read once: a lock,
/// requirements files, requirement strings, and how to answer them.
struct EnvironmentQuestion {
    var lock: LockFile?
    var files: [(path: String, file: RequirementsFile)]
    var requirements: [InstallRequirement]
    var withDeps: Bool
    var indexes: [String]
    var policy: CachePolicy
    var strategy: IndexStrategy

    init(requirements: [String], inputs: EnvironmentInputs, indexes: [String], policy: CachePolicy, strategy: IndexStrategy) throws {
        lock = try inputs.loadLock()
        files = try inputs.loadRequirements()
        self.requirements = try requirements.map(InstallRequirement.init(parsing:))
        withDeps = inputs.withDeps
        self.indexes = indexes
        self.policy = policy
        self.strategy = strategy
    }

    /// One verdict per input (the lock, each requirements file, the requirement strings).
    func answer(in store: Store, for environment: TargetEnvironment, verifyFiles: Bool) throws -> [EnvironmentVerdict] {
        var verdicts: [EnvironmentVerdict] = []
        if let lock {
            verdicts.append(try store.canInstall(lock: lock, environment: environment, policy: policy, verifyFiles: verifyFiles))
        }
        for (path, file) in files {
            if withDeps {
                let entries = try file.entries.map { entry in
                    do { return try InstallRequirement(parsing: entry.requirement) } catch let error as StoreError {
                        throw StoreError(.invalidInput, "\(entry.path):\(entry.line): \(error.message)")
                    }
                }
                var verdict = try store.canInstallWithDependencies(entries, indexes: indexes.isEmpty ? file.indexes : indexes, environment: environment,
                                                                   policy: policy, strategy: strategy, verifyFiles: verifyFiles)
                verdict.source = path
                verdicts.append(verdict)
            } else {
                verdicts.append(try store.canInstall(requirements: file, source: path, indexes: indexes, environment: environment, policy: policy,
                                                     strategy: strategy, verifyFiles: verifyFiles))
            }
        }
        if !requirements.isEmpty {
            if withDeps {
                verdicts.append(try store.canInstallWithDependencies(requirements, indexes: indexes, environment: environment, policy: policy, strategy: strategy, verifyFiles: verifyFiles))
            } else {
                var verdict = EnvironmentVerdict(environment: environment.summary, source: "requirements", packages: [], skipped: [], notes: [])
                for requirement in requirements {
                    let answer = try store.canInstall(requirement: requirement, indexes: indexes, environment: environment, policy: policy, strategy: strategy, verifyFiles: verifyFiles)
                    verdict.packages.append(PackageAnswer(answer, origin: "requirement"))
                }
                verdicts.append(verdict)
            }
        }
        return verdicts
    }
}
