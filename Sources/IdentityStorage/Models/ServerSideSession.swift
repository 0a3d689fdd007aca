import Foundation

/// A server-side authentication session (Duende ≥ 6.1).
public struct ServerSideSession: Hashable, Sendable, Codable {
    /// Unique, case-sensitive key (random hex from the ticket store).
    public var key: String
    /// The authentication scheme that created the session.
    public var scheme: String
    /// The user's subject id.
    public var subjectId: String
    /// The session id (`sid`), when the session has one.
    public var sessionId: String?
    /// The user's display name, when the server knows it.
    public var displayName: String?
    /// When the session was created.
    public var created: Date
    /// When the session was last renewed.
    public var renewed: Date
    /// Nil: never expires, never claimed by ``ServerSideSessionStore/claimExpiredSessions(limit:)``.
    public var expires: Date?
    /// The data-protected authentication ticket; opaque.
    public var ticket: String

    /// A session with the given fields.
    public init(key: String, scheme: String, subjectId: String, sessionId: String? = nil, displayName: String? = nil,
                created: Date, renewed: Date, expires: Date? = nil, ticket: String) {
        self.key = key
        self.scheme = scheme
        self.subjectId = subjectId
        self.sessionId = sessionId
        self.displayName = displayName
        self.created = created
        self.renewed = renewed
        self.expires = expires
        self.ticket = ticket
    }
}

/// Selects sessions by exact subject and/or session id; at least one is required.
public struct SessionFilter: Hashable, Sendable, Codable {
    /// Sessions of this user.
    public var subjectId: String?
    /// Sessions with this session id.
    public var sessionId: String?

    /// A filter with the given fields set.
    public init(subjectId: String? = nil, sessionId: String? = nil) {
        self.subjectId = subjectId
        self.sessionId = sessionId
    }

    /// Throws when both fields are blank ("SubjectId or SessionId is required.", as upstream).
    public func validate() throws(IdentityStorageError) {
        if isBlank(subjectId), isBlank(sessionId) {
            throw .invalidArgument("SubjectId or SessionId is required in a session filter")
        }
        if !isBlank(subjectId) { try FieldValidation.key(subjectId!, "filter.subjectId") }
        if !isBlank(sessionId) { try FieldValidation.key(sessionId!, "filter.sessionId") }
    }

    /// Whether `session` satisfies the filter (blank fields ignored, exact comparison).
    public func matches(_ session: ServerSideSession) -> Bool {
        if !isBlank(subjectId), !session.subjectId.exactlyEquals(subjectId!) { return false }
        if !isBlank(sessionId), !String.exactlyEqual(session.sessionId, sessionId) { return false }
        return true
    }
}

/// A page request for ``ServerSideSessionStore/querySessions(_:)``, with upstream's rules (§1.6).
public struct SessionQuery: Hashable, Sendable, Codable {
    /// The token of the page last returned; nil or unreadable starts from the first page.
    public var resultsToken: String?
    /// Ask for the page before the token's page instead of the one after.
    public var requestPriorResults: Bool
    /// Page size; zero or less means 25.
    public var countRequested: Int
    /// Substring of the subject id (case-sensitive).
    public var subjectId: String?
    /// Substring of the session id (case-sensitive).
    public var sessionId: String?
    /// Substring of the display name (case-sensitive); sessions without one never match.
    public var displayName: String?

    /// A query for the page after `resultsToken` (before it, with `requestPriorResults`; the first page when nil), with
    /// optional substring filters.
    public init(resultsToken: String? = nil, requestPriorResults: Bool = false, countRequested: Int = 0,
                subjectId: String? = nil, sessionId: String? = nil, displayName: String? = nil) {
        self.resultsToken = resultsToken
        self.requestPriorResults = requestPriorResults
        self.countRequested = countRequested
        self.subjectId = subjectId
        self.sessionId = sessionId
        self.displayName = displayName
    }

    /// The page size actually used.
    public var pageSize: Int { countRequested <= 0 ? 25 : countRequested }

    /// Whether `session` satisfies the substring filters (blank filters ignored, as upstream's `IsNullOrWhiteSpace` check).
    public func matches(_ session: ServerSideSession) -> Bool {
        if isBlank(subjectId), isBlank(sessionId), isBlank(displayName) { return true }
        if let subjectId, !session.subjectId.containsExactly(subjectId) { return false }
        if let sessionId, !(session.sessionId?.containsExactly(sessionId) ?? false) { return false }
        if let displayName, !(session.displayName?.containsExactly(displayName) ?? false) { return false }
        return true
    }
}

/// A page of query results (upstream's `QueryResult<T>`).
public struct QueryResult<Item: Sendable & Hashable>: Hashable, Sendable {
    /// Token for the next or prior page; nil when the page is empty.
    public var resultsToken: String?
    /// Whether a page comes before this one.
    public var hasPrevResults: Bool
    /// Whether a page comes after this one.
    public var hasNextResults: Bool
    /// Nil where a backend cannot count cheaply (upstream allows it; our adapters all count).
    public var totalCount: Int?
    /// How many pages the query's results fill, when counted.
    public var totalPages: Int?
    /// This page's number, when counted.
    public var currentPage: Int?
    /// The items of this page.
    public var results: [Item]

    /// A page of results with the given paging information.
    public init(resultsToken: String?, hasPrevResults: Bool, hasNextResults: Bool, totalCount: Int?, totalPages: Int?,
                currentPage: Int?, results: [Item]) {
        self.resultsToken = resultsToken
        self.hasPrevResults = hasPrevResults
        self.hasNextResults = hasNextResults
        self.totalCount = totalCount
        self.totalPages = totalPages
        self.currentPage = currentPage
        self.results = results
    }
}

extension String {
    /// Byte-wise substring test (what `LIKE`/`instr` do under a binary collation).
    func containsExactly(_ needle: String) -> Bool {
        if needle.isEmpty { return true }
        let haystack = Array(utf8), pattern = Array(needle.utf8)
        guard pattern.count <= haystack.count else { return false }
        for start in 0...(haystack.count - pattern.count) where haystack[start..<(start + pattern.count)].elementsEqual(pattern) {
            return true
        }
        return false
    }
}
