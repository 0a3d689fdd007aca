import Foundation

/// The paging rules of ``ServerSideSessionStore/querySessions(_:)`` (upstream §1.6), written once.
/// An adapter supplies the three queries of ``SessionPageSource``; ``SessionPaging/page(_:from:)`` does the rest.
/// The source is synchronous: adapters run it inside one job on their connection's thread, in one
/// read transaction, so the page and its counts agree.
///
/// Cursor: the byte order of session keys (every backend has it: `COLLATE "C"`, `utf8mb4_bin`, SQLite
/// `BINARY`, Redis `ZRANGEBYLEX`). The token holds the first and last key of the page returned and is
/// opaque to callers; an unreadable token starts from the first page, as upstream.
public protocol SessionPageSource {
    /// Matching sessions with key after `key` (nil: from the start), ascending, at most `limit`.
    func sessions(after key: String?, limit: Int) throws -> [ServerSideSession]
    /// Matching sessions with key before `key`, descending, at most `limit`.
    func sessions(before key: String, limit: Int) throws -> [ServerSideSession]
    /// How many sessions match, in all or on one side of a key.
    func count(_ range: SessionKeyRange) throws -> Int
}

/// A part of the key space, for ``SessionPageSource/count(_:)``.
public enum SessionKeyRange: Sendable, Hashable {
    /// Every key.
    case all
    /// The keys before this one, in byte order.
    case before(String)
    /// The keys after this one, in byte order.
    case after(String)
}

/// See ``SessionPageSource``.
public enum SessionPaging {
    /// The page `query` asks for.
    public static func page(_ query: SessionQuery, from source: some SessionPageSource) throws -> QueryResult<ServerSideSession> {
        let size = query.pageSize
        let token = query.resultsToken.flatMap(Token.init(encoded:))
        let total = try source.count(.all)
        let totalPages = max(1, Int((Double(total) / Double(size)).rounded(.up)))

        if let token, query.requestPriorResults {
            var rows = try source.sessions(before: token.first, limit: size + 1)
            var hasPrev = rows.count > size
            if hasPrev { rows.removeLast() }
            rows.reverse()
            if let last = rows.last {
                let after = try source.count(.after(last.key))
                var current = totalPages - Int((Double(after) / Double(size)).rounded(.up))
                // Rows deleted before this page: restart from the beginning, as upstream.
                if !(current <= 1 && after > 0 && rows.count < size) {
                    if current <= 1 { current = 1; hasPrev = false }
                    return result(rows, hasPrev: hasPrev, hasNext: after > 0, total: total, pages: totalPages, current: current)
                }
            }
            return try forward(from: nil, size: size, total: total, pages: totalPages, source: source)
        }
        return try forward(from: token?.last, size: size, total: total, pages: totalPages, source: source)
    }

    private static func forward(from key: String?, size: Int, total: Int, pages: Int, source: some SessionPageSource) throws -> QueryResult<ServerSideSession> {
        var rows = try source.sessions(after: key, limit: size + 1)
        let hasNext = rows.count > size
        if hasNext { rows.removeLast() }
        guard let first = rows.first else { return empty }
        let before = try source.count(.before(first.key))
        let current = max(1, 1 + Int((Double(before) / Double(size)).rounded(.up)))
        return result(rows, hasPrev: before > 0 && current > 1, hasNext: hasNext, total: total, pages: pages, current: current)
    }

    private static func result(_ rows: [ServerSideSession], hasPrev: Bool, hasNext: Bool, total: Int, pages: Int, current: Int) -> QueryResult<ServerSideSession> {
        guard let first = rows.first, let last = rows.last else { return empty }
        return QueryResult(resultsToken: Token(first: first.key, last: last.key).encoded, hasPrevResults: hasPrev,
                           hasNextResults: hasNext, totalCount: total, totalPages: pages, currentPage: current, results: rows)
    }

    /// An empty page: no token, no flags, zero counts (upstream).
    static let empty = QueryResult<ServerSideSession>(resultsToken: nil, hasPrevResults: false, hasNextResults: false,
                                                      totalCount: 0, totalPages: 0, currentPage: 0, results: [])

    /// The first and last key of a page, as an opaque base64url string.
    struct Token: Hashable {
        var first: String
        var last: String

        init(first: String, last: String) {
            self.first = first
            self.last = last
        }

        init?(encoded: String) {
            var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
            guard let data = Data(base64Encoded: base64),
                  let keys = try? JSONDecoder().decode([String].self, from: data), keys.count == 2 else { return nil }
            first = keys[0]
            last = keys[1]
        }

        var encoded: String {
            let data = (try? JSONEncoder().encode([first, last])) ?? Data()
            return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
    }
}
