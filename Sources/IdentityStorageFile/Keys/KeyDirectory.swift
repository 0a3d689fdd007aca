import Crypto
import IdentityStorage

/// Key material in a directory, one file per item, as ASP.NET Core's file-system key repository and IdentityServer's
/// file-system signing-key store keep them:
///
/// - `key-ring-<id>.xml`: a data-protection key-ring element, its XML byte for byte; `key-ring-<id>.name` beside it
///   holds its friendly name when it has one (written first, so a visible element always has its name; a name
///   left without its XML by a killed writer is removed by the next writer);
/// - `signing-key-<SHA-256 of the id>.json`: a signing key (its id is inside);
/// - `.key-ring-last-id`: the highest element id ever handed out, so ids are never reused;
/// - `.lock`: the lock every writer holds, in this process and in others.
///
/// Every file is written atomically (``FileSystem/replace(_:with:)``) and read without a lock.
package final class KeyDirectory: Sendable {
    /// The directory's path, as the URL gave it.
    package let path: String
    private let io: FileIO

    package init(path: String, io: FileIO) {
        self.path = path
        self.io = io
    }

    /// Runs `body` with the directory's files on an I/O thread, without the lock (reads).
    package func read<T: Sendable>(_ body: @escaping @Sendable (Files) throws -> T) async throws -> T {
        let files = Files(directory: path)
        return try await io.read { try body(files) }
    }

    /// Runs `body` on the write thread holding the directory's lock (writes; a conditional write reads under it too).
    /// The directory is created by the first write; its parent must exist.
    package func write<T: Sendable>(_ body: @escaping @Sendable (Files) throws -> T) async throws -> T {
        let files = Files(directory: path)
        return try await io.write(locking: "\(path)/.lock", of: path, preparing: { try FileSystem.createDirectory(files.directory) }) {
            try FileSystem.removeTemporaryFiles(in: files.directory)
            try files.removeOrphanedNames()
            return try body(files)
        }
    }

    /// The files of one key directory. Blocking: used inside ``read(_:)`` and ``write(_:)`` only.
    package struct Files: Sendable {
        package let directory: String

        /// The path of element `id`'s XML (`.xml`) or friendly name (`.name`).
        package func element(_ id: Int64, _ suffix: String) -> String {
            let digits = String(id)
            return "\(directory)/key-ring-\(String(repeating: "0", count: max(0, 20 - digits.count)))\(digits).\(suffix)"
        }

        /// The path of the signing key `id`.
        package func signingKey(_ id: String) -> String {
            let digest = SHA256.hash(data: Array(id.utf8)).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
            return "\(directory)/signing-key-\(digest).json"
        }

        var counter: String { "\(directory)/.key-ring-last-id" }

        /// Every element id present, ascending (none when the directory does not exist yet).
        package func elementIds() throws -> [Int64] {
            guard FileSystem.kind(of: directory) == .directory else { return [] }
            return try FileSystem.names(in: directory).compactMap { name -> Int64? in
                guard name.hasPrefix("key-ring-"), name.hasSuffix(".xml") else { return nil }
                return Int64(name.dropFirst("key-ring-".count).dropLast(".xml".count))
            }.sorted()
        }

        /// Removes the friendly-name files whose element has no XML: what a writer killed between an element's name and
        /// its XML leaves (or a delete killed between removing them); its id is never handed out again, so nothing
        /// else would. Under the lock only, where no writer is between the two.
        func removeOrphanedNames() throws {
            let names = try FileSystem.names(in: directory)
            let present = Set(names)
            for name in names where name.hasPrefix("key-ring-") && name.hasSuffix(".name")
                && !present.contains(String(name.dropLast(".name".count)) + ".xml") {
                _ = try FileSystem.remove("\(directory)/\(name)")
            }
        }

        /// Every signing-key file name present.
        package func signingKeyFiles() throws -> [String] {
            guard FileSystem.kind(of: directory) == .directory else { return [] }
            return try FileSystem.names(in: directory).filter { $0.hasPrefix("signing-key-") && $0.hasSuffix(".json") }.map { "\(directory)/\($0)" }
        }

        /// The highest element id ever handed out: the counter, or a present element above it.
        package func lastElementId() throws -> Int64 {
            let counted = try FileSystem.contents(counter).flatMap { Int64(String(decoding: $0.bytes, as: UTF8.self)) } ?? 0
            return max(counted, try elementIds().last ?? 0)
        }

        /// Hands out the next element id: the counter is advanced (durably) before the element is written, so an
        /// id is never given twice, even when the writer dies in between.
        package func nextElementId() throws -> Int64 {
            let id = try lastElementId() + 1
            try FileSystem.replace(counter, with: Array(String(id).utf8))
            return id
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
