#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import IdentityStorage

/// The few POSIX calls the `file:` adapter needs, each mapped to an `IdentityStorageError` naming the path. Every
/// function blocks: call them on the adapter's I/O threads only (``FileWorker``), never on Swift's cooperative pool.
package enum FileSystem {
    /// What identifies one version of a file: a rename puts a new inode in place, an edit in place changes the
    /// times and usually the size.
    package struct Fingerprint: Hashable, Sendable {
        let device: UInt64, inode: UInt64, size: Int64
        let modified: Int64, changed: Int64
    }

    /// What is at a path.
    package enum Kind: Sendable { case missing, file, directory, other }

    package static func kind(of path: String) -> Kind {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// Whether this process may write to `path` (a file or a directory).
    package static func isWritable(_ path: String) -> Bool { access(path, W_OK) == 0 }

    /// The fingerprint of the file at `path`, or nil when there is none.
    package static func fingerprint(_ path: String) throws(IdentityStorageError) -> Fingerprint? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw failure("cannot inspect", path)
        }
        return Fingerprint(info)
    }

    /// The whole file at `path` and the fingerprint of exactly what was read, or nil when there is no file.
    package static func contents(_ path: String) throws(IdentityStorageError) -> (bytes: [UInt8], fingerprint: Fingerprint)? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw failure("cannot read", path)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure("cannot inspect", path) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read", path)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return (bytes, Fingerprint(info))
    }

    /// Replaces the file at `path` with `bytes` so that readers see the old file or the new one, never a part, and
    /// the new one survives a crash once this returns: a temporary file in the same directory, written and fsynced,
    /// renamed over `path`, then the directory fsynced. Call it holding the directory's ``FileLock``: temporary files
    /// of writers that died are removed under that lock (``removeTemporaryFiles(in:)``).
    package static func replace(_ path: String, with bytes: [UInt8]) throws(IdentityStorageError) {
        let (directory, name) = split(path)
        let temporary = "\(directory)/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("cannot create a file in", directory) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                let error = failure("cannot write", temporary)
                close(descriptor)
                unlink(temporary)
                throw error
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            let error = failure("cannot flush", temporary)
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let error = failure("cannot replace", path)
            unlink(temporary)
            throw error
        }
        try synchronizeDirectory(directory)
    }

    /// Removes `path`; false when there was nothing to remove. Durable once the directory is synchronized.
    package static func remove(_ path: String) throws(IdentityStorageError) -> Bool {
        guard unlink(path) == 0 else {
            if errno == ENOENT { return false }
            throw failure("cannot remove", path)
        }
        return true
    }

    /// Makes renames and removals in `directory` durable.
    package static func synchronizeDirectory(_ directory: String) throws(IdentityStorageError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("cannot open", directory) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 || errno == EINVAL else { throw failure("cannot flush", directory) }
    }

    /// The names in `directory` (without `.` and `..`).
    package static func names(in directory: String) throws(IdentityStorageError) -> [String] {
        guard let stream = opendir(directory) else { throw failure("cannot list", directory) }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates `directory` (not its parents) if it does not exist yet.
    package static func createDirectory(_ directory: String) throws(IdentityStorageError) {
        guard mkdir(directory, 0o755) == 0 || errno == EEXIST else { throw failure("cannot create the directory", directory) }
    }

    /// Removes what ``replace(_:with:)`` left behind in `directory` when its writer died before the rename: the
    /// temporary files of `file` only, or of every file when nil. Only call it holding the lock of those files:
    /// temporary files exist only while a writer holds it.
    package static func removeTemporaryFiles(in directory: String, of file: String? = nil) throws(IdentityStorageError) {
        let prefix = file.map { ".\($0).tmp-" } ?? "."
        for name in try names(in: directory) where name.hasPrefix(prefix) && name.contains(".tmp-") {
            _ = try remove("\(directory)/\(name)")
        }
    }

    /// The directory and the name of `path`.
    package static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    /// An error for a failed call on `path`, with the system's reason.
    package static func failure(_ what: String, _ path: String) -> IdentityStorageError {
        let code = errno
        let reason = String(cString: strerror(code))
        let detail = IdentityStorageError.BackendDetail(backend: "file", code: "errno \(code)", message: reason)
        if code == EACCES || code == EPERM || code == EROFS {
            return IdentityStorageError(.permissionDenied, "\(what) \(path): \(reason): give this process's user access to it and to its directory "
                                        + "(a file made immutable with chattr +i refuses even root; read_only=true for a store this process only reads)",
                                        backendDetail: detail)
        }
        let kind: IdentityStorageError.Code = code == ENOSPC || code == EDQUOT ? .tooLarge : .unavailable
        return IdentityStorageError(kind, "\(what) \(path): \(reason)", backendDetail: detail)
    }
}

extension FileSystem.Fingerprint {
    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
    }
}
