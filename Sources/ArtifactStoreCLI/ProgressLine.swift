import ArtifactStore
import Foundation
import Synchronization

/// The one progress line of every long command (`fetch`, `prefetch`, `verify`, `gc`, the
/// benchmarks): on standard error, only when it is a terminal, redrawn at most ten times a
/// second, erased by ``finish()`` so that what follows starts on a clean line. Each command says
/// what the line reads; this type decides when and how it is drawn.
package final class ProgressLine: Sendable {
    /// Whether anything is drawn at all (standard error is a terminal).
    package let isActive: Bool
    private let started = Date()
    /// When the line was last drawn, and whether one is on screen.
    private let state = Mutex<(lastDrawn: Date, drawn: Bool)>((.distantPast, false))

    package init(isActive: Bool = FileSystem.isTerminal(STDERR_FILENO)) { self.isActive = isActive }

    /// Redraws the line with `text()`, unless it was drawn less than 0.1 s ago and `force` is
    /// false (`force`: a state people must see, such as a download's last byte).
    package func draw(force: Bool = false, _ text: (_ elapsed: TimeInterval) -> String) {
        guard isActive else { return }
        state.withLock { state in
            let now = Date()
            guard force || now.timeIntervalSince(state.lastDrawn) >= 0.1 else { return }
            state.lastDrawn = now
            state.drawn = true
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text(now.timeIntervalSince(started))).utf8))
        }
    }

    /// `text`, followed by the share done and an ETA when `fraction` says how far along it is.
    package func update(fraction: Double?, text: String) {
        draw { elapsed in
            guard let fraction, fraction > 0.01, fraction < 1 else { return text }
            return text + String(format: " (%.0f%%, ETA %@)", fraction * 100, Self.duration(elapsed / fraction - elapsed))
        }
    }

    /// Erases the line, if one was drawn.
    package func finish() {
        state.withLock { state in
            if state.drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            state.drawn = false
        }
    }

    /// `1h2m`, `3m4s`, `5s`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600 ? "\(total / 3600)h\(total % 3600 / 60)m" : total >= 60 ? "\(total / 60)m\(total % 60)s" : "\(total)s"
    }
}
