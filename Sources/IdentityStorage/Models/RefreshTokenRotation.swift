import Foundation

/// How ``PersistedGrantStore/rotateRefreshToken(presented:successor:policy:)`` treats a refresh token presented again
/// after it was rotated: the grace window in which a retry (two browser tabs, a lost response) still gets tokens,
/// and how many such retries one token may make.
public struct RefreshTokenRotationPolicy: Hashable, Sendable, Codable {
    /// The most a grace period may be: one day (a consumed token is kept at least this long; see
    /// ``CleanupRunner/Configuration/refreshTokenGracePeriod``).
    public static let gracePeriodLimit: TimeInterval = 86_400
    /// The most reuses within the grace period one token may make.
    public static let reuseCountLimit = 1_000

    /// Seconds after a token's rotation during which presenting it again is a reuse within grace (answered with a new
    /// successor) rather than a reuse detected (the family revoked). 0: no grace, every second presentation revokes.
    public var gracePeriod: TimeInterval
    /// How many times a consumed token may be reused within the grace period; the next presentation revokes the family.
    public var maxReuseCount: Int

    /// A policy with a grace period of `gracePeriod` seconds and at most `maxReuseCount` reuses within it.
    public init(gracePeriod: TimeInterval, maxReuseCount: Int) {
        self.gracePeriod = gracePeriod
        self.maxReuseCount = maxReuseCount
    }

    /// Strict one-time use: no grace period, no reuse.
    public static let strict = RefreshTokenRotationPolicy(gracePeriod: 0, maxReuseCount: 0)

    /// Throws ``IdentityStorageError/Code-swift.struct/invalidArgument`` for a grace period outside 0…``gracePeriodLimit``
    /// seconds (NaN included) or a reuse count outside 0…``reuseCountLimit``.
    public func validate() throws(IdentityStorageError) {
        guard gracePeriod >= 0, gracePeriod <= Self.gracePeriodLimit else {
            throw .invalidArgument("refresh-token gracePeriod must be from 0 to \(Int(Self.gracePeriodLimit)) seconds (got \(gracePeriod))")
        }
        try FieldValidation.within(0...Self.reuseCountLimit, maxReuseCount, "refresh-token maxReuseCount")
    }

    /// The grace period in whole microseconds, as the stores compare instants.
    public var gracePeriodMicroseconds: Int64 { Int64((gracePeriod * 1_000_000).rounded()) }
}

/// What ``PersistedGrantStore/rotateRefreshToken(presented:successor:policy:)`` did: exactly one of four outcomes,
/// decided and applied in one atomic operation of the store.
///
/// Only ``rotated(_:)`` and ``reusedWithinGrace(_:)`` grant tokens; an OAuth server answers the other two with
/// `invalid_grant` (RFC 6749 §5.2), and never tells the client which one it was.
public enum RefreshTokenRotation: Hashable, Sendable {
    /// The presented token was live and unconsumed: it is now consumed (``PersistedGrant/consumedTime``, its
    /// ``PersistedGrant/successorKey``) and the successor is stored in its family. Carries the presented grant as stored now.
    case rotated(PersistedGrant)
    /// The presented token was consumed less than the grace period ago and reused fewer times than allowed: the new
    /// successor is stored in its family too and ``PersistedGrant/reuseCount`` counted. Carries the presented grant as stored now.
    case reusedWithinGrace(PersistedGrant)
    /// The presented token was consumed at least the grace period ago, or reused as often as allowed: every grant of
    /// its family was removed in the same operation; `removedGrants` of them (the presented one included).
    case reuseDetected(familyId: String, removedGrants: Int)
    /// No such token, it has expired, or it belongs to another client than the successor: nothing changed.
    case notFound

    /// The presented grant, when this outcome issues tokens.
    public var grantedFrom: PersistedGrant? {
        switch self {
        case .rotated(let grant), .reusedWithinGrace(let grant): return grant
        case .reuseDetected, .notFound: return nil
        }
    }
}

extension RefreshTokenRotation: CustomStringConvertible {
    /// The outcome's name and counts, never a key or token.
    public var description: String {
        switch self {
        case .rotated: return "rotated"
        case .reusedWithinGrace(let grant): return "reused within grace (\(grant.reuseCount))"
        case .reuseDetected(_, let removed): return "reuse detected (\(removed) removed)"
        case .notFound: return "not found"
        }
    }
}

extension PersistedGrantStore {
    /// The arguments of a rotation, checked the same way on every backend: a valid policy, a valid successor whose key
    /// differs from the presented one, unconsumed and not yet reused.
    public func validateRotation(presented key: String, successor: PersistedGrant, policy: RefreshTokenRotationPolicy) throws(IdentityStorageError) {
        try FieldValidation.key(key, "presented refresh-token key")
        try policy.validate()
        try successor.validate()
        if successor.key == key {
            throw .invalidArgument("the successor refresh token must have a key of its own, not the presented one's")
        }
        if successor.consumedTime != nil || successor.successorKey != nil || successor.reuseCount != 0 {
            throw .invalidArgument("the successor refresh token must be new: no consumedTime, successorKey or reuseCount")
        }
    }
}
