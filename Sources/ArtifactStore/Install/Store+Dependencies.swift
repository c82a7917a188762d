import Foundation
import PythonPackaging
import ZIPFoundation

extension Store {
    /// Answers for `requirements` and, transitively, the `Requires-Dist` of each chosen wheel
    /// whose markers hold in `environment` (with the requirement's extras). Not a resolver: the
    /// best stored candidate is taken for each name; a later specifier that the chosen version
    /// does not satisfy is reported as a conflict, never backtracked.
    public func canInstallWithDependencies(
        _ requirements: [InstallRequirement], indexes: [String], environment: TargetEnvironment, policy: CachePolicy,
        strategy: IndexStrategy = .firstIndex, verifyFiles: Bool = true, at time: Date? = nil
    ) throws -> EnvironmentVerdict {
        var verdict = EnvironmentVerdict(environment: environment.summary, source: "requirements", packages: [], skipped: [], notes: [
            "dependencies were followed (--with-deps); this is not a resolver: the best stored candidate is taken for each name, and conflicts are reported, not backtracked",
        ])
        var queue: [(requirement: InstallRequirement, origin: String)] = requirements.map { ($0, "requirement") }
        var answered: [String: (verdict: InstallVerdict, extras: Set<String>)] = [:]
        while !queue.isEmpty {
            var (requirement, origin) = queue.removeFirst()
            if let marker = requirement.marker {
                guard try evaluate(marker, environment: environment, origin: origin) else {
                    if answered[requirement.project] == nil, !verdict.skipped.contains(where: { $0.name == requirement.name }) {
                        verdict.skipped.append(SkippedPackage(name: requirement.name, version: nil, reason: "\(origin): its marker \(marker) excludes this environment"))
                    }
                    continue
                }
                requirement.marker = nil
            }
            let extras = Set(requirement.extras)
            if let existing = answered[requirement.project] {
                if let version = existing.verdict.chosen?.version ?? existing.verdict.wayOut?.version,
                   !requirement.specifier.contains(version, prereleases: true) {
                    verdict.notes.append("conflict: \(origin) needs \(requirement.text), but \(requirement.project) \(version) was chosen for \(existing.verdict.requirement.text); an installer's resolver would look for another version")
                }
                let newExtras = extras.subtracting(existing.extras)
                guard !newExtras.isEmpty else { continue }
                answered[requirement.project]!.extras.formUnion(newExtras)
                queue += try dependencies(of: existing.verdict, extras: newExtras, environment: environment, notes: &verdict.notes)
                continue
            }
            let answer = try canInstall(requirement: requirement, indexes: indexes, environment: environment, policy: policy, strategy: strategy, verifyFiles: verifyFiles, at: time)
            answered[requirement.project] = (answer, extras)
            verdict.packages.append(PackageAnswer(answer, origin: origin))
            queue += try dependencies(of: answer, extras: extras, environment: environment, notes: &verdict.notes)
        }
        return verdict
    }

    /// The `Requires-Dist` of the file a verdict chose (or its way out), as requirements with
    /// their origin; their markers are evaluated by the caller.
    private func dependencies(of answer: InstallVerdict, extras: Set<String>, environment: TargetEnvironment, notes: inout [String]) throws -> [(requirement: InstallRequirement, origin: String)] {
        let file: (filename: String, digest: BlobDigest, url: String?)
        if let chosen = answer.chosen, let stored = chosen.stored {
            file = (chosen.filename, stored.digest, chosen.url)
        } else if let wayOut = answer.wayOut {
            file = (wayOut.filename, wayOut.digest, nil)
        } else {
            notes.append("the dependencies of \(answer.requirement.text) were not checked: no stored file of it")
            return []
        }
        guard let metadata = try coreMetadata(filename: file.filename, digest: file.digest, url: file.url) else {
            notes.append("the dependencies of \(file.filename) were not checked: neither its PEP 658 metadata nor the wheel's METADATA could be read")
            return []
        }
        let origin = "dependency of \(answer.requirement.project) \(metadata.version ?? "")".trimmingCharacters(in: .whitespaces)
        var result: [(InstallRequirement, String)] = []
        for text in metadata.requiresDist {
            guard var requirement = try? InstallRequirement(parsing: text) else {
                notes.append("\(file.filename) declares Requires-Dist \"\(text)\", which is not a requirement this tool reads (a direct reference?); it was not checked")
                continue
            }
            // `extra == "x"` holds only for the extras asked of the parent (PEP 508, PEP 685).
            if let marker = requirement.marker {
                guard try evaluate(marker, environment: environment, origin: "\(file.filename) Requires-Dist", extras: extras) else { continue }
                requirement.marker = nil
            }
            result.append((requirement, origin))
        }
        return result
    }

    /// The core metadata of a stored wheel: its PEP 658 sidecar when one is stored for the file's
    /// URL, else the wheel's own `*.dist-info/METADATA`, read from the verified blob.
    func coreMetadata(filename: String, digest: BlobDigest, url: String?) throws -> DistributionMetadata? {
        if let url, let sidecarURL = try? NormalizedURL(url + ".metadata").text,
           let record = try responses(for: sidecarURL).first(where: { $0.status == 200 && $0.bodyDigest != nil }),
           let body = try? read(record.bodyDigest!), body.count <= Self.metadataSizeLimit {
            return DistributionMetadata(parsing: String(decoding: body, as: UTF8.self))
        }
        guard filename.hasSuffix(".whl") else { return nil }
        // The very file BlobReader verified (a mismatch quarantines it), not the blob's path
        // opened again: ZIPFoundation reads it through the verified descriptor.
        let reader = try verifiedOnce(digest) { reader in
            try reader.verifyAndRewind()
            return reader
        }
        defer { reader.close() }
        guard let archive = try? Archive(url: URL(fileURLWithPath: "/proc/self/fd/\(reader.fileDescriptor)"), accessMode: .read, pathEncoding: nil) else { return nil }
        // PEP 427: the .dist-info directory at the root of the archive holds METADATA.
        guard let entry = archive.first(where: { entry in
            let parts = entry.path.split(separator: "/")
            return parts.count == 2 && parts[0].hasSuffix(".dist-info") && parts[1] == "METADATA"
        }), entry.uncompressedSize <= Self.metadataSizeLimit else { return nil }
        var data = Data()
        guard (try? archive.extract(entry, skipCRC32: false) { data.append($0) }) != nil, data.count <= Self.metadataSizeLimit else { return nil }
        return DistributionMetadata(parsing: String(decoding: data, as: UTF8.self))
    }

    /// Core metadata larger than this is not read (a description is rarely over a few hundred KiB).
    static let metadataSizeLimit = 16 << 20
}
