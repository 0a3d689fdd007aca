import Foundation
import IdentityStorage

/// The one definition of each operational table's columns: the column list, the parameter values of a
/// model in that order, and the decoding of a row selected with that list. Every SQL store uses these,
/// so a column is added in one place; an adapter's schema creates the columns in this order.
public enum SQLTables {
    /// `persisted_grants`: what an adapter's own grant statements (a refresh-rotation routine, a bulk load) write and
    /// return.
    public enum Grants {
        /// The columns, in order, comma-separated (quote them with ``SQLDialect/columns(_:)`` where the engine needs).
        public static let columns = "key, type, subject_id, session_id, client_id, description, creation_time, expiration, consumed_time, data, "
            + "family_id, successor_key, reuse_count"
        static let count = 13

        /// The parameters of `grant`, in the order of ``columns``.
        public static func values(_ grant: PersistedGrant) -> [SQLValue] {
            [.text(grant.key), .text(grant.type), .optionalText(grant.subjectId), .optionalText(grant.sessionId), .text(grant.clientId),
             .optionalText(grant.description), .date(grant.creationTime), .optionalDate(grant.expiration), .optionalDate(grant.consumedTime),
             .text(grant.data), .optionalText(grant.familyId), .optionalText(grant.successorKey), .int(grant.reuseCount)]
        }

        /// Decodes a row selected with ``columns``, starting at column `first`.
        static func decode(_ row: some SQLRow, first: Int = 0) throws -> PersistedGrant {
            let c = first
            return PersistedGrant(key: try row.text(c), type: try row.text(c + 1), subjectId: try row.optionalText(c + 2),
                                  sessionId: try row.optionalText(c + 3), clientId: try row.text(c + 4), description: try row.optionalText(c + 5),
                                  creationTime: try row.date(c + 6), expiration: try row.optionalDate(c + 7),
                                  consumedTime: try row.optionalDate(c + 8), data: try row.text(c + 9), familyId: try row.optionalText(c + 10),
                                  successorKey: try row.optionalText(c + 11), reuseCount: try row.int(c + 12))
        }
    }

    /// `device_codes`.
    enum DeviceCodes {
        static let columns = "device_code, user_code, client_id, subject_id, session_id, description, creation_time, expiration, data"
        static let count = 9

        static func values(_ authorization: DeviceAuthorization) -> [SQLValue] {
            [.text(authorization.deviceCode), .text(authorization.userCode), .text(authorization.clientId),
             .optionalText(authorization.subjectId), .optionalText(authorization.sessionId), .optionalText(authorization.description),
             .date(authorization.creationTime), .date(authorization.expiration), .text(authorization.data)]
        }

        static func decode(_ row: some SQLRow) throws -> DeviceAuthorization {
            DeviceAuthorization(deviceCode: try row.text(0), userCode: try row.text(1), clientId: try row.text(2), subjectId: try row.optionalText(3),
                                sessionId: try row.optionalText(4), description: try row.optionalText(5), creationTime: try row.date(6),
                                expiration: try row.date(7), data: try row.text(8))
        }
    }

    /// `server_side_sessions`.
    enum Sessions {
        static let columns = "key, scheme, subject_id, session_id, display_name, created, renewed, expires, ticket"
        static let count = 9

        static func values(_ session: ServerSideSession) -> [SQLValue] {
            [.text(session.key), .text(session.scheme), .text(session.subjectId), .optionalText(session.sessionId),
             .optionalText(session.displayName), .date(session.created), .date(session.renewed), .optionalDate(session.expires), .text(session.ticket)]
        }

        static func decode(_ row: some SQLRow) throws -> ServerSideSession {
            ServerSideSession(key: try row.text(0), scheme: try row.text(1), subjectId: try row.text(2), sessionId: try row.optionalText(3),
                              displayName: try row.optionalText(4), created: try row.date(5), renewed: try row.date(6),
                              expires: try row.optionalDate(7), ticket: try row.text(8))
        }
    }

    /// `signing_keys`.
    enum SigningKeys {
        static let columns = "id, version, created, algorithm, is_x509_certificate, data, data_protected"
        static let count = 7

        static func values(_ key: SerializedKey) -> [SQLValue] {
            [.text(key.id), .int(key.version), .date(key.created), .text(key.algorithm), .bool(key.isX509Certificate), .text(key.data),
             .bool(key.dataProtected)]
        }

        static func decode(_ row: some SQLRow) throws -> SerializedKey {
            SerializedKey(id: try row.text(0), version: try row.int(1), created: try row.date(2), algorithm: try row.text(3),
                          isX509Certificate: try row.bool(4), data: try row.text(5), dataProtected: try row.bool(6))
        }
    }

    /// `pushed_authorization_requests`.
    enum PushedAuthorizationRequests {
        static let columns = "reference_value_hash, expires_at, parameters"
        static let count = 3

        static func values(_ request: PushedAuthorizationRequest) -> [SQLValue] {
            [.text(request.referenceValueHash), .date(request.expiresAt), .text(request.parameters)]
        }

        static func decode(_ row: some SQLRow) throws -> PushedAuthorizationRequest {
            PushedAuthorizationRequest(referenceValueHash: try row.text(0), expiresAt: try row.date(1), parameters: try row.text(2))
        }
    }

    /// `backchannel_requests`: lookup columns plus the request as a JSON document.
    enum BackchannelRequests {
        static let columns = "internal_id, subject_id, client_id, expiration, document"
        static let count = 5

        static func values(_ request: BackchannelAuthenticationRequest) throws -> [SQLValue] {
            [.text(request.internalId), .text(request.subjectId), .text(request.clientId), .date(request.expiration),
             .text(try StorageJSON.string(request))]
        }

        /// Decodes a row selected as `internal_id, document`.
        static func decode(_ row: some SQLRow) throws -> BackchannelAuthenticationRequest {
            try StorageJSON.decode(BackchannelAuthenticationRequest.self, from: try row.text(1), what: "backchannel request \(try row.text(0))")
        }
    }

    /// `identity_providers`.
    enum IdentityProviders {
        static let columns = "scheme, display_name, enabled, type, properties"
        static let count = 5

        static func values(_ provider: IdentityProvider) throws -> [SQLValue] {
            [.text(provider.scheme), .optionalText(provider.displayName), .bool(provider.enabled), .text(provider.type),
             .text(try StorageJSON.string(provider.properties))]
        }

        static func decode(_ row: some SQLRow) throws -> IdentityProvider {
            let scheme = try row.text(0)
            return IdentityProvider(scheme: scheme, type: try row.text(3), displayName: try row.optionalText(1), enabled: try row.bool(2),
                                    properties: try StorageJSON.decode([String: String].self, from: try row.text(4), what: "identity provider \(scheme)"))
        }
    }

    /// Configuration items stored as `(id, document)` rows: clients and the three resource kinds, decoded
    /// through `cache` (unchanged documents are not decoded again).
    static func decodeDocument<T>(_ cache: DecodedDocumentCache<T>, _ row: some SQLRow, what: String) throws -> T {
        let id = try row.text(0)
        return try cache.decode(try row.text(1), id: id, what: "\(what) \(id)")
    }
}
