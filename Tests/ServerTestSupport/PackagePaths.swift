import Foundation

/// Where this package's files are, for tests that run its scripts, recipes and executables.
public enum PackagePaths {
    /// The package's root directory (this file is `Tests/ServerTestSupport/PackagePaths.swift`).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The path of `relative` (`Scripts/verify-junit.py`) in the package.
    public static func file(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    /// The executable product `name`, built with the tests: beside the test bundle, or (Swift Testing may run from a
    /// helper) in the package's debug build folder.
    public static func executable(_ name: String) -> URL {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        return root.appendingPathComponent(".build/debug/\(name)")
    }
}
