import Foundation

/// A directory of a test's own, removed when the test lets go of it.
public final class Scratch: Sendable {
    /// Its path.
    public let directory: String

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("idstore-scratch-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// The path of `name` in it.
    public func path(_ name: String) -> String { "\(directory)/\(name)" }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
