import Foundation
import Synchronization

/// Bytes read from a child process's pipe, split into lines as they complete.
public final class LineBuffer: Sendable {
    private let bytes = Mutex<[UInt8]>([])

    public init() {}

    public func append(_ data: Data) { bytes.withLock { $0 += data } }

    /// The first complete line, without its newline, taken out of the buffer; nil until one is complete.
    public func takeLine() -> String? {
        bytes.withLock { bytes in
            guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            let line = String(decoding: bytes[..<newline], as: UTF8.self)
            bytes.removeSubrange(...newline)
            return line
        }
    }
}
