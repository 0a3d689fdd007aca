import Foundation

extension StringProtocol {
    /// Whether the text's UTF-8 holds a NUL byte: one `memchr` over the string's own storage (every native Swift
    /// string has it), byte by byte otherwise. Validation runs on every write, over payloads of up to 8 MiB, on the
    /// caller's thread: a byte-by-byte scan took seconds of a cooperative thread per payload in a debug build.
    package var containsNulByte: Bool {
        utf8.withContiguousStorageIfAvailable { bytes in
            guard let start = bytes.baseAddress else { return false }
            return memchr(start, 0, bytes.count) != nil
        } ?? utf8.contains(0)
    }
}
