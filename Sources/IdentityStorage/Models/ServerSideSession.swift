import Foundation

/// A server-side authentication session (Duende ≥ 6.1).
public struct ServerSideSession: Hashable, Sendable, Codable {
    /// Unique, case-sensitive key (random hex from the ticket store).
    public var key: String
    public var scheme: String
    public var subjectId: String
    public var sessionId: String?
    public var displayName: String?
    public var created: Date
    public var renewed: Date
    /// Nil: never expires, never claimed by ``ServerSideSessionStore/claimExpiredSessions(limit:)``.
    public var expires: Date?
    /// The data-protected authentication ticket; opaque.
    public var ticket: String

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
    public var subjectId: String?
    public var sessionId: String?

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
    public var hasPrevResults: Bool
    public var hasNextResults: Bool
    /// Nil where a backend cannot count cheaply (upstream allows it; our adapters all count).
    public var totalCount: Int?
    public var totalPages: Int?
    public var currentPage: Int?
    public var results: [Item]

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
