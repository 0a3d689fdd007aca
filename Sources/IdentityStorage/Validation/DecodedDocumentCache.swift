import Foundation
import Synchronization

/// Decoded configuration documents kept beside the exact text they were decoded from.
///
/// An identity server reads the same few clients and resources on every request, and decoding a large
/// client's JSON (50 redirect URIs, 50 origins, 50 scopes…) costs several times the database round trip.
/// Adapters still read the stored text on every call, so nothing is ever stale: the cached value is
/// returned only when the text read now is byte for byte the text it was decoded from, and decoding the
/// same bytes again would give the same value.
///
/// The cache is bounded by the bytes of text it holds; documents larger than a quarter of the budget are
/// decoded every time and never kept.
public final class DecodedDocumentCache<Value: Decodable & Sendable>: Sendable {
    private struct Entry {
        let text: String
        let value: Value
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var bytes = 0
    }

    private let state = Mutex(State())
    /// The most text, in UTF-8 bytes, the cache holds.
    public let byteBudget: Int

    /// A cache holding at most `byteBudget` bytes of document text. Default: 4 MiB.
    public init(byteBudget: Int = 4 << 20) {
        self.byteBudget = byteBudget
    }

    /// The value `text` decodes to, decoding only when `text` differs from the text last decoded for `id`.
    /// Decoding failures are ``IdentityStorageError/Code-swift.struct/corruptedData`` naming `what`, as in
    /// ``StorageJSON/decode(_:from:what:)``, and are never cached.
    public func decode(_ text: String, id: String, what: @autoclosure () -> String) throws(IdentityStorageError) -> Value {
        if let cached = state.withLock({ $0.entries[id] }), Self.sameBytes(cached.text, text) {
            return cached.value
        }
        let value = try StorageJSON.decode(Value.self, from: text, what: what())
        let size = text.utf8.count
        guard size <= byteBudget / 4 else { return value }
        state.withLock { state in
            if let replaced = state.entries.updateValue(Entry(text: text, value: value), forKey: id) {
                state.bytes -= replaced.text.utf8.count
            }
            state.bytes += size
            // Evict arbitrary other entries until the budget holds: the working set of a server is small,
            // and a full cache only costs decoding again.
            while state.bytes > byteBudget, let victim = state.entries.first(where: { $0.key != id }) {
                state.entries.removeValue(forKey: victim.key)
                state.bytes -= victim.value.text.utf8.count
            }
        }
        return value
    }

    /// The bytes of document text held now (never more than ``byteBudget``).
    public var heldBytes: Int { state.withLock { $0.bytes } }

    /// Forgets every entry (tests; or to release memory).
    public func removeAll() {
        state.withLock { $0 = State() }
    }

    /// Byte-wise equality: `String ==` compares by Unicode canonical equivalence, which is both slower and
    /// looser than "decodes to the same value".
    private static func sameBytes(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs, rhs = rhs
        return lhs.withUTF8 { left in rhs.withUTF8 { right in left.count == right.count && (left.count == 0 || memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0) } }
    }
}

/// The process-wide caches the adapters decode configuration documents through.
public enum DecodedDocuments {
    /// Clients by client id.
    public static let clients = DecodedDocumentCache<Client>()
    /// Identity resources by name.
    public static let identityResources = DecodedDocumentCache<IdentityResource>()
    /// API scopes by name.
    public static let apiScopes = DecodedDocumentCache<ApiScope>()
    /// API resources by name.
    public static let apiResources = DecodedDocumentCache<ApiResource>()
}
