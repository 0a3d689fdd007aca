import Foundation
import IdentityStorage

extension ConformanceSuite {
    static let clientCases: [ConformanceCase] = clientCrudCases + clientListCases + clientCorsCases + clientInputCases
    static let resourceCases: [ConformanceCase] = resourceQueryCases + resourceWriteCases
    static let identityProviderCases: [ConformanceCase] = identityProviderStoreCases
    static let signingKeyCases: [ConformanceCase] = signingKeyBasicCases + signingKeyConditionalCases
    static let keyRingCases: [ConformanceCase] = keyRingBasicCases + keyRingConditionalCases
}

// MARK: - Builders

extension ConfigSupport {
    /// A client with every field set to a value other than its default: secrets with and without expiration,
    /// claims with a custom value type, properties (one with an empty value), Unicode text.
    static func fullClient(_ id: String, _ ctx: ConformanceContext) -> Client {
        var c = Client(clientId: id)
        c.enabled = false
        c.protocolType = "wsfed"
        c.clientSecrets = [
            Secret(value: "K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=", type: "SharedSecret", description: "primary ✓",
                   expiration: instant(ctx, 86_400.123456)),
            Secret(value: "3B1A9C0D5E7F", type: "X509Thumbprint", description: nil, expiration: nil),
            Secret(value: "{\"kty\":\"RSA\",\"e\":\"AQAB\"}", type: "JWK", description: "", expiration: instant(ctx, -3600)),
        ]
        c.requireClientSecret = false
        c.clientName = "Client " + unicode
        c.description = "Description with\nnew line, \"quotes\", 'apostrophes', <tags> & \\backslash\\ " + unicode
        c.clientUri = "https://client.example/home?x=1&y=2#frag"
        c.logoUri = "https://cdn.example/logo-é.png"
        c.requireConsent = true
        c.allowRememberConsent = false
        c.allowedGrantTypes = ["authorization_code", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code"]
        c.requirePkce = false
        c.allowPlainTextPkce = true
        c.requireRequestObject = true
        c.allowAccessTokensViaBrowser = true
        c.requireDPoP = true
        c.dPoPValidationMode = [.iat, .nonce]
        c.dPoPClockSkew = 17
        c.redirectUris = ["https://client.example/signin-oidc", "https://client.example/cb?x=%20y", "myapp://callback", "http://127.0.0.1:7890/"]
        c.postLogoutRedirectUris = ["https://client.example/signout-callback-oidc", "https://client.example/bye"]
        c.frontChannelLogoutUri = "https://client.example/front"
        c.frontChannelLogoutSessionRequired = false
        c.backChannelLogoutUri = "https://client.example/back"
        c.backChannelLogoutSessionRequired = false
        c.allowOfflineAccess = true
        c.allowedScopes = ["openid", "profile", "api.read", "Api.Read", "スコープ"]
        c.alwaysIncludeUserClaimsInIdToken = true
        c.identityTokenLifetime = 601
        c.allowedIdentityTokenSigningAlgorithms = ["RS256", "ES256", "PS512"]
        c.accessTokenLifetime = 7201
        c.authorizationCodeLifetime = 61
        c.absoluteRefreshTokenLifetime = 0
        c.slidingRefreshTokenLifetime = 86_401
        c.consentLifetime = 0
        c.pushedAuthorizationLifetime = 91
        c.requirePushedAuthorization = true
        c.refreshTokenUsage = .oneTimeOnly
        c.updateAccessTokenClaimsOnRefresh = true
        c.refreshTokenExpiration = .sliding
        c.accessTokenType = .reference
        c.enableLocalLogin = false
        c.identityProviderRestrictions = ["Google", "aad", "oidc-é"]
        c.includeJwtId = false
        c.claims = [
            ClientClaim(type: "role", value: "admin"),
            ClientClaim(type: "age", value: "42", valueType: "http://www.w3.org/2001/XMLSchema#integer"),
            ClientClaim(type: "ünïcode", value: unicode, valueType: "urn:custom:value-type"),
            ClientClaim(type: "empty", value: ""),
        ]
        c.alwaysSendClientClaims = true
        c.clientClaimsPrefix = nil
        c.pairWiseSubjectSalt = "salt-🧂"
        c.userSsoLifetime = 3_600
        c.userCodeType = "Numeric"
        c.deviceCodeLifetime = 901
        c.cibaLifetime = 121
        c.pollingInterval = 5
        c.coordinateLifetimeWithUserSession = false
        c.allowedCorsOrigins = ["https://" + host(ctx, "full"), "http://" + host(ctx, "full") + ":5000"]
        c.initiateLoginUri = "https://client.example/login"
        c.properties = ["tenant": "contoso", "empty": "", "ключ ☃": "値 " + unicode, "Tenant": "different key by case"]
        return c
    }

    /// One of several whole versions of a client for the concurrent-save race: every field and collection
    /// carries the version number, so a mix of two versions cannot equal any version.
    static func clientVersion(_ id: String, _ version: Int, _ ctx: ConformanceContext) -> Client {
        var c = Client(clientId: id)
        c.clientName = "version \(version)"
        c.description = String(repeating: "v\(version) ", count: 10)
        c.accessTokenLifetime = 1_000 + version
        c.enabled = version % 2 == 0
        c.redirectUris = Set((0..<3).map { "https://v\(version).example/cb\($0)" })
        c.postLogoutRedirectUris = ["https://v\(version).example/bye"]
        c.allowedScopes = Set((0..<3).map { "scope-\(version)-\($0)" })
        c.allowedGrantTypes = [version % 2 == 0 ? "authorization_code" : "client_credentials"]
        c.clientSecrets = [Secret(value: "secret-\(version)", description: "v\(version)")]
        c.claims = [ClientClaim(type: "version", value: "\(version)")]
        c.properties = ["version": "\(version)", "p\(version)": "x"]
        return c
    }
}

// MARK: - Find, save, delete

extension ConformanceSuite {
    static let clientCrudCases: [ConformanceCase] = [
        ConformanceCase("clients.find.missing-is-nil") { ctx in
            try expectNil(try await ctx.stores.clients.client(withId: ctx.key("never-saved")), "client that was never saved")
            try await ctx.stores.clients.saveClient(Client(clientId: ctx.key("present")))
            try expectNil(try await ctx.stores.clients.client(withId: ctx.key("present-not")), "client whose id only shares a prefix")
            try expectNil(try await ctx.stores.clients.client(withId: ctx.key("presen")), "client whose id is a prefix of a stored id")
        },

        ConformanceCase("clients.save.every-field-round-trips") { ctx in
            let client = ConfigSupport.fullClient(ctx.key("full"), ctx)
            try await ctx.stores.clients.saveClient(client)
            let loaded = try expectValue(try await ctx.stores.clients.client(withId: client.clientId), "saved client")
            try expectEqual(loaded, client, "client with every field set")
            try ConfigSupport.expectSameBytes(loaded.clientId, client.clientId, "clientId bytes")
            try ConfigSupport.expectSameBytes(loaded.clientName, client.clientName, "clientName bytes (Unicode, decomposed é)")
            try ConfigSupport.expectSameBytes(loaded.description, client.description, "description bytes")
            let loadedClaim = loaded.claims.first { $0.type == "ünïcode" }
            try ConfigSupport.expectSameBytes(loadedClaim?.value, ConfigSupport.unicode, "Unicode claim value bytes")
            try expectEqual(loaded.clientSecrets.map(\.expiration).compactMap { $0 }.sorted(),
                            client.clientSecrets.map(\.expiration).compactMap { $0 }.sorted(), "secret expirations (microsecond precision)")
        },

        ConformanceCase("clients.save.defaults-round-trip") { ctx in
            let client = Client(clientId: ctx.key("defaults"))
            try await ctx.stores.clients.saveClient(client)
            let loaded = try expectValue(try await ctx.stores.clients.client(withId: client.clientId), "saved client")
            try expectEqual(loaded, client, "client with only defaults (nil optionals, empty collections, clientClaimsPrefix \"client_\")")
        },

        ConformanceCase("clients.save.nil-and-empty-distinct") { ctx in
            var empties = Client(clientId: ctx.key("empties"))
            empties.clientName = ""
            empties.description = ""
            empties.clientUri = ""
            empties.logoUri = ""
            empties.frontChannelLogoutUri = ""
            empties.backChannelLogoutUri = ""
            empties.clientClaimsPrefix = ""
            empties.pairWiseSubjectSalt = ""
            empties.userCodeType = ""
            empties.initiateLoginUri = ""
            empties.consentLifetime = 0
            empties.userSsoLifetime = 0
            empties.cibaLifetime = 0
            empties.pollingInterval = 0
            empties.pushedAuthorizationLifetime = 0
            empties.coordinateLifetimeWithUserSession = false
            empties.properties = ["blank": ""]
            empties.clientSecrets = [Secret(value: "v", description: "")]
            empties.claims = [ClientClaim(type: "t", value: "")]
            var nils = Client(clientId: ctx.key("nils"))
            nils.clientClaimsPrefix = nil
            nils.clientSecrets = [Secret(value: "v", description: nil)]
            try await ctx.stores.clients.saveClient(empties)
            try await ctx.stores.clients.saveClient(nils)
            try expectEqual(try await ctx.stores.clients.client(withId: empties.clientId), empties, "client with empty strings and zero lifetimes")
            try expectEqual(try await ctx.stores.clients.client(withId: nils.clientId), nils, "client with nil optionals")
        },

        ConformanceCase("clients.save.claims-differing-in-value-type") { ctx in
            var client = Client(clientId: ctx.key("claims"))
            client.claims = [
                ClientClaim(type: "role", value: "admin"),
                ClientClaim(type: "role", value: "admin", valueType: "urn:custom:role"),
                ClientClaim(type: "role", value: "Admin"),
                ClientClaim(type: "Role", value: "admin"),
            ]
            try await ctx.stores.clients.saveClient(client)
            let loaded = try expectValue(try await ctx.stores.clients.client(withId: client.clientId), "saved client")
            try expectEqual(loaded.claims, client.claims, "claims that differ only in value type or case")
        },

        ConformanceCase("clients.save.large-collections-round-trip") { ctx in
            var client = Client(clientId: ctx.key("large"))
            client.redirectUris = Set((0..<50).map { "https://app\($0).example/signin-oidc/" + String(repeating: "p", count: $0) })
            client.postLogoutRedirectUris = Set((0..<50).map { "https://app\($0).example/signout-callback" })
            client.allowedCorsOrigins = Set((0..<50).map { "https://" + ConfigSupport.host(ctx, "o\($0)") })
            client.allowedScopes = Set((0..<50).map { "scope.\($0)" })
            client.clientSecrets = Set((0..<10).map { (i: Int) -> Secret in
                let type: String = i % 2 == 0 ? "SharedSecret" : "X509Thumbprint"
                let expiration: Date? = i % 3 == 0 ? nil : ConfigSupport.instant(ctx, Double(i) * 1000.5)
                return Secret(value: "secret-\(i)", type: type, description: "secret \(i)", expiration: expiration)
            })
            client.claims = Set((0..<10).map { (i: Int) -> ClientClaim in
                let valueType: String = i % 2 == 0 ? ClientClaim.stringValueType : "urn:t:\(i)"
                return ClientClaim(type: "claim\(i)", value: "value \(i)", valueType: valueType)
            })
            client.allowedGrantTypes = Set((0..<10).map { "grant-\($0)" })
            client.identityProviderRestrictions = Set((0..<10).map { "idp-\($0)" })
            client.properties = Dictionary(uniqueKeysWithValues: (0..<20).map { ("key\($0)", "value \($0)") })
            try await ctx.stores.clients.saveClient(client)
            let loaded = try expectValue(try await ctx.stores.clients.client(withId: client.clientId), "saved client")
            try expectEqual(loaded.redirectUris.count, 50, "redirect URI count")
            try expectEqual(loaded.postLogoutRedirectUris.count, 50, "post-logout URI count")
            try expectEqual(loaded.allowedCorsOrigins.count, 50, "CORS origin count")
            try expectEqual(loaded.allowedScopes.count, 50, "scope count")
            try expectEqual(loaded.clientSecrets.count, 10, "secret count")
            try expectEqual(loaded.claims.count, 10, "claim count")
            try expectEqual(loaded, client, "client with large collections")
        },

        ConformanceCase("clients.find.case-sensitive-id") { ctx in
            var lower = Client(clientId: ctx.key("client-a"))
            lower.clientName = "lower"
            try await ctx.stores.clients.saveClient(lower)
            try expectNil(try await ctx.stores.clients.client(withId: ctx.key("CLIENT-A")), "lookup differing only in case")
            try expectNil(try await ctx.stores.clients.client(withId: ctx.key("Client-a")), "lookup differing in one letter's case")
            var upper = Client(clientId: ctx.key("CLIENT-A"))
            upper.clientName = "upper"
            try await ctx.stores.clients.saveClient(upper)
            try expectEqual(try await ctx.stores.clients.client(withId: lower.clientId), lower, "lower-case client after saving the upper-case one")
            try expectEqual(try await ctx.stores.clients.client(withId: upper.clientId), upper, "upper-case client")
        },

        ConformanceCase("clients.find.trailing-space-distinct") { ctx in
            var plain = Client(clientId: ctx.key("client"))
            plain.clientName = "plain"
            try await ctx.stores.clients.saveClient(plain)
            try expectNil(try await ctx.stores.clients.client(withId: ctx.key("client ")), "lookup with a trailing space")
            var spaced = Client(clientId: ctx.key("client "))
            spaced.clientName = "spaced"
            try await ctx.stores.clients.saveClient(spaced)
            let loadedPlain = try expectValue(try await ctx.stores.clients.client(withId: plain.clientId), "plain client")
            let loadedSpaced = try expectValue(try await ctx.stores.clients.client(withId: spaced.clientId), "client with trailing space")
            try expectEqual(loadedPlain.clientName, "plain", "plain client's name")
            try expectEqual(loadedSpaced.clientName, "spaced", "trailing-space client's name")
            try ConfigSupport.expectSameBytes(loadedSpaced.clientId, spaced.clientId, "trailing-space client id bytes")
        },

        ConformanceCase("clients.find.unicode-normalisation-distinct") { ctx in
            var nfc = Client(clientId: ctx.key("caf\u{E9}"))
            nfc.clientName = "nfc"
            var nfd = Client(clientId: ctx.key("cafe\u{301}"))
            nfd.clientName = "nfd"
            try await ctx.stores.clients.saveClient(nfc)
            try await ctx.stores.clients.saveClient(nfd)
            let loadedNfc = try expectValue(try await ctx.stores.clients.client(withId: nfc.clientId), "NFC client")
            let loadedNfd = try expectValue(try await ctx.stores.clients.client(withId: nfd.clientId), "NFD client")
            try expectEqual(loadedNfc.clientName, "nfc", "client found by the NFC id (U+00E9)")
            try expectEqual(loadedNfd.clientName, "nfd", "client found by the NFD id (e + U+0301)")
            try ConfigSupport.expectSameBytes(loadedNfc.clientId, nfc.clientId, "NFC client id bytes")
            try ConfigSupport.expectSameBytes(loadedNfd.clientId, nfd.clientId, "NFD client id bytes")
            try expect(try await ctx.stores.clients.deleteClient(withId: nfd.clientId), "deleting the NFD client")
            try expectEqual(try await ctx.stores.clients.client(withId: nfc.clientId)?.clientName, "nfc", "NFC client after deleting the NFD one")
            try expectNil(try await ctx.stores.clients.client(withId: nfd.clientId), "NFD client after its deletion")
        },

        ConformanceCase("clients.find.disabled-returned") { ctx in
            var client = ConfigSupport.fullClient(ctx.key("disabled"), ctx)
            client.enabled = false
            try await ctx.stores.clients.saveClient(client)
            let loaded = try expectValue(try await ctx.stores.clients.client(withId: client.clientId), "disabled client")
            try expectEqual(loaded.enabled, false, "enabled flag of a disabled client")
            try expectEqual(loaded, client, "disabled client")
        },

        ConformanceCase("clients.save.upsert-replaces-whole") { ctx in
            let id = ctx.key("upsert")
            let first = ConfigSupport.fullClient(id, ctx)
            try await ctx.stores.clients.saveClient(first)
            var second = Client(clientId: id)
            second.clientName = "second"
            second.redirectUris = [first.redirectUris.sorted()[0], "https://new.example/cb"]
            second.allowedScopes = ["openid"]
            second.clientSecrets = [Secret(value: "new-secret")]
            second.claims = [ClientClaim(type: "role", value: "admin", valueType: "urn:changed")]
            second.properties = ["tenant": "fabrikam"]
            second.allowedCorsOrigins = ["https://" + ConfigSupport.host(ctx, "second")]
            second.accessTokenLifetime = 1
            try await ctx.stores.clients.saveClient(second)
            let loaded = try expectValue(try await ctx.stores.clients.client(withId: id), "client after the second save")
            try expectEqual(loaded, second, "client after an upsert with other fields and smaller collections")
            let third = Client(clientId: id)
            try await ctx.stores.clients.saveClient(third)
            try expectEqual(try await ctx.stores.clients.client(withId: id), third, "client after an upsert emptying every collection")
        },

        ConformanceCase("clients.delete.removes") { ctx in
            let keep = ConfigSupport.fullClient(ctx.key("keep"), ctx)
            let gone = ConfigSupport.fullClient(ctx.key("gone"), ctx)
            try await ctx.stores.clients.saveClient(keep)
            try await ctx.stores.clients.saveClient(gone)
            try expect(try await ctx.stores.clients.deleteClient(withId: gone.clientId), "delete of an existing client returns true")
            try expectNil(try await ctx.stores.clients.client(withId: gone.clientId), "deleted client")
            try expectEqual(try await ctx.stores.clients.client(withId: keep.clientId), keep, "other client after a delete")
            try expect(!(try await ctx.stores.clients.deleteClient(withId: gone.clientId)), "second delete returns false")
            let fresh = Client(clientId: gone.clientId)
            try await ctx.stores.clients.saveClient(fresh)
            try expectEqual(try await ctx.stores.clients.client(withId: gone.clientId), fresh,
                            "client re-created after deletion (no collection item of the deleted one survives)")
        },

        ConformanceCase("clients.delete.missing-is-false") { ctx in
            try expect(!(try await ctx.stores.clients.deleteClient(withId: ctx.key("never-saved"))), "delete of a missing client returns false")
            try await ctx.stores.clients.saveClient(Client(clientId: ctx.key("Present")))
            try expect(!(try await ctx.stores.clients.deleteClient(withId: ctx.key("present"))), "delete with an id differing in case returns false")
            try expect(try await ctx.stores.clients.client(withId: ctx.key("Present")) != nil, "client survives a delete of another-case id")
        },

        ConformanceCase("clients.save.concurrent-same-id") { ctx in
            let keys = 16, versions = 8
            for round in 0..<3 {
                let ids = (0..<keys).map { ctx.key("race\(round).\($0)") }
                _ = try await race(keys * versions) { i in
                    try await ctx.stores.clients.saveClient(ConfigSupport.clientVersion(ids[i % keys], i / keys, ctx))
                }
                for id in ids {
                    let loaded = try expectValue(try await ctx.stores.clients.client(withId: id), "round \(round): client \(id) after concurrent saves")
                    let candidates = (0..<versions).map { ConfigSupport.clientVersion(id, $0, ctx) }
                    try expect(candidates.contains(loaded),
                               "round \(round): client \(id) after concurrent saves is not one whole saved version (a mix?): \(loaded)")
                }
            }
        },
    ]
}

// MARK: - Listing

extension ConformanceSuite {
    static let clientListCases: [ConformanceCase] = [
        ConformanceCase("clients.list.paging-walk") { ctx in
            // The table is shared with other cases: walk every page and check our clients among all.
            // Keyed by bytes: Swift's String == would merge the NFC and NFD ids.
            var mine: [ExactString: Client] = [:]
            for name in ["b", "a", "B", "A", "c-1", "c-0", "c", "\u{E9}", "e\u{301}", "z"] {
                var client = Client(clientId: ctx.key("list." + name))
                client.clientName = "list " + name
                client.allowedScopes = ["s-" + name]
                mine[ExactString(client.clientId)] = client
                try await ctx.stores.clients.saveClient(client)
            }
            try expectEqual(mine.count, 10, "number of distinct client ids created")
            var seen: [String] = []
            var found: [ExactString: Client] = [:]
            var cursor: String? = nil
            var pages = 0
            repeat {
                let page = try await ctx.stores.clients.listClients(after: cursor, limit: 3)
                pages += 1
                try expect(page.clients.count <= 3, "page \(pages) has \(page.clients.count) clients, more than the limit 3")
                if page.nextCursor != nil {
                    try expectEqual(page.clients.count, 3, "size of page \(pages), which is not the last")
                }
                for client in page.clients {
                    seen.append(client.clientId)
                    if client.clientId.hasPrefix(ctx.namespace) { found[ExactString(client.clientId)] = client }
                }
                cursor = page.nextCursor
                try expect(pages < 200_000, "listClients did not end after \(pages) pages")
            } while cursor != nil
            try expect(ConfigSupport.strictlyIncreasingBytes(seen), "ids over all pages are not in strictly increasing byte order")
            let mineSeen = seen.map(ExactString.init).filter { mine[$0] != nil }
            try expectEqual(mineSeen.count, mine.count, "number of this case's clients seen in the walk (each exactly once)")
            try expectEqual(mineSeen, mine.keys.sorted(), "this case's ids in walk order")
            for (id, client) in mine {
                let listed = try expectValue(found[id], "listed client \(id)")
                try expectEqual(listed, client, "listed client \(id) (whole)")
                try expect(listed.clientName == client.clientName && ConfigSupport.sameBytes(listed.clientName, client.clientName),
                           "listed client \(id) carries another client's name: \(listed.clientName ?? "nil")")
            }
        },

        ConformanceCase("clients.list.deleted-not-listed") { ctx in
            for name in ["a", "b", "c"] { try await ctx.stores.clients.saveClient(Client(clientId: ctx.key(name))) }
            try await ctx.stores.clients.deleteClient(withId: ctx.key("b"))
            var listed: [String] = []
            var cursor: String? = nil
            var pages = 0
            repeat {
                let page = try await ctx.stores.clients.listClients(after: cursor, limit: 50)
                listed += page.clients.map(\.clientId).filter { $0.hasPrefix(ctx.namespace) }
                cursor = page.nextCursor
                pages += 1
                try expect(pages < 100_000, "listClients did not end after \(pages) pages")
            } while cursor != nil
            try expectEqual(listed, [ctx.key("a"), ctx.key("c")], "this case's listed clients after deleting one")
        },
    ]
}

// MARK: - CORS

extension ConformanceSuite {
    static let clientCorsCases: [ConformanceCase] = [
        ConformanceCase("clients.cors.allowed") { ctx in
            let host = ConfigSupport.host(ctx, "app")
            var client = Client(clientId: ctx.key("cors"))
            client.allowedCorsOrigins = ["https://\(host)", "http://\(host):8080"]
            try await ctx.stores.clients.saveClient(client)
            try expect(try await ctx.stores.clients.isOriginAllowed("https://\(host)"), "stored origin https://\(host)")
            try expect(try await ctx.stores.clients.isOriginAllowed("http://\(host):8080"), "stored origin with a port")
        },

        ConformanceCase("clients.cors.not-allowed") { ctx in
            let host = ConfigSupport.host(ctx, "app")
            var client = Client(clientId: ctx.key("cors"))
            client.allowedCorsOrigins = ["https://\(host)"]
            try await ctx.stores.clients.saveClient(client)
            try expect(!(try await ctx.stores.clients.isOriginAllowed("https://" + ConfigSupport.host(ctx, "other"))), "origin never stored")
            try expect(!(try await ctx.stores.clients.isOriginAllowed("http://\(host)")), "other scheme")
            try expect(!(try await ctx.stores.clients.isOriginAllowed("https://\(host):8443")), "other port")
            try expect(!(try await ctx.stores.clients.isOriginAllowed("https://sub.\(host)")), "subdomain")
            try expect(!(try await ctx.stores.clients.isOriginAllowed("https://\(host).evil.example")), "stored host as a prefix")
            try expect(!(try await ctx.stores.clients.isOriginAllowed("https://" + String(host.dropFirst()))), "stored host as a suffix")
        },

        ConformanceCase("clients.cors.normalised-on-save") { ctx in
            let host = ConfigSupport.host(ctx, "app")
            let port = ConfigSupport.host(ctx, "port")
            var client = Client(clientId: ctx.key("cors"))
            client.allowedCorsOrigins = ["HTTPS://\(host.uppercased()):443/", "Http://\(port.uppercased()):8080"]
            try await ctx.stores.clients.saveClient(client)
            let loaded = try expectValue(try await ctx.stores.clients.client(withId: client.clientId), "saved client")
            try expectEqual(loaded.allowedCorsOrigins, ["https://\(host)", "http://\(port):8080"], "stored origins (normalised)")
            try expect(try await ctx.stores.clients.isOriginAllowed("https://\(host)"), "normalised form of a saved upper-case origin")
            try expect(try await ctx.stores.clients.isOriginAllowed("http://\(port):8080"), "normalised form with a port")
        },

        ConformanceCase("clients.cors.normalised-on-query") { ctx in
            let secure = ConfigSupport.host(ctx, "secure")
            let plain = ConfigSupport.host(ctx, "plain")
            let ported = ConfigSupport.host(ctx, "ported")
            var client = Client(clientId: ctx.key("cors"))
            client.allowedCorsOrigins = ["https://\(secure)", "http://\(plain)", "https://\(ported):8443"]
            try await ctx.stores.clients.saveClient(client)
            try expect(try await ctx.stores.clients.isOriginAllowed("HTTPS://\(secure.uppercased()):443"), "upper case with the default https port")
            try expect(try await ctx.stores.clients.isOriginAllowed("https://\(secure)/"), "trailing slash")
            try expect(try await ctx.stores.clients.isOriginAllowed("http://\(plain):80"), "default http port")
            try expect(try await ctx.stores.clients.isOriginAllowed("HTTPS://\(ported.uppercased()):8443/"), "upper case, explicit port, trailing slash")
            try expect(!(try await ctx.stores.clients.isOriginAllowed("https://\(ported)")), "non-default port omitted")
            try expect(!(try await ctx.stores.clients.isOriginAllowed("https://\(plain):80")), "http origin queried as https with port 80")
        },

        ConformanceCase("clients.cors.disabled-client-allowed") { ctx in
            let host = ConfigSupport.host(ctx, "disabled")
            var client = Client(clientId: ctx.key("cors"))
            client.enabled = false
            client.allowedCorsOrigins = ["https://\(host)"]
            try await ctx.stores.clients.saveClient(client)
            try expect(try await ctx.stores.clients.isOriginAllowed("https://\(host)"), "origin of a disabled client")
        },

        ConformanceCase("clients.cors.removed-origins-gone") { ctx in
            let kept = ConfigSupport.host(ctx, "kept")
            let dropped = ConfigSupport.host(ctx, "dropped")
            let deleted = ConfigSupport.host(ctx, "deleted")
            var client = Client(clientId: ctx.key("cors"))
            client.allowedCorsOrigins = ["https://\(kept)", "https://\(dropped)"]
            try await ctx.stores.clients.saveClient(client)
            var other = Client(clientId: ctx.key("cors-other"))
            other.allowedCorsOrigins = ["https://\(deleted)"]
            try await ctx.stores.clients.saveClient(other)
            client.allowedCorsOrigins = ["https://\(kept)"]
            try await ctx.stores.clients.saveClient(client)
            try expect(try await ctx.stores.clients.isOriginAllowed("https://\(kept)"), "origin kept by an upsert")
            try expect(!(try await ctx.stores.clients.isOriginAllowed("https://\(dropped)")), "origin removed by an upsert")
            try expect(try await ctx.stores.clients.isOriginAllowed("https://\(deleted)"), "origin of the second client before its deletion")
            try expect(try await ctx.stores.clients.deleteClient(withId: other.clientId), "deleting the second client")
            try expect(!(try await ctx.stores.clients.isOriginAllowed("https://\(deleted)")), "origin of a deleted client")
            try expect(try await ctx.stores.clients.isOriginAllowed("https://\(kept)"), "origin of the remaining client")
        },

        ConformanceCase("clients.cors.shared-origin-until-last-client") { ctx in
            let host = ConfigSupport.host(ctx, "shared")
            var first = Client(clientId: ctx.key("first"))
            first.allowedCorsOrigins = ["https://\(host)"]
            var second = Client(clientId: ctx.key("second"))
            second.allowedCorsOrigins = ["HTTPS://\(host.uppercased())/"]
            try await ctx.stores.clients.saveClient(first)
            try await ctx.stores.clients.saveClient(second)
            try await ctx.stores.clients.deleteClient(withId: first.clientId)
            try expect(try await ctx.stores.clients.isOriginAllowed("https://\(host)"), "origin still allowed by the second client")
            try await ctx.stores.clients.deleteClient(withId: second.clientId)
            try expect(!(try await ctx.stores.clients.isOriginAllowed("https://\(host)")), "origin after deleting both clients")
        },

        ConformanceCase("clients.cors.invalid-origin-rejected") { ctx in
            let good = ConfigSupport.host(ctx, "good")
            let later = ConfigSupport.host(ctx, "later")
            var client = Client(clientId: ctx.key("cors"))
            client.allowedCorsOrigins = ["https://\(good)"]
            try await ctx.stores.clients.saveClient(client)
            let invalid = ["ftp://\(later)", "https://\(later)/path", "\(later)", "https://", "https://\(later):99999",
                           "https://\(later)?q=1", "https://user@\(later)", "", "javascript:alert(1)"]
            for origin in invalid {
                var changed = client
                changed.clientName = "changed"
                changed.allowedCorsOrigins = ["https://\(later)", origin]
                try await expectError(.invalidArgument, "saving a client with the CORS origin '\(origin)'") {
                    try await ctx.stores.clients.saveClient(changed)
                }
                var fresh = Client(clientId: ctx.key("fresh"))
                fresh.allowedCorsOrigins = [origin]
                try await expectError(.invalidArgument, "saving a new client with the CORS origin '\(origin)'") {
                    try await ctx.stores.clients.saveClient(fresh)
                }
            }
            try expectEqual(try await ctx.stores.clients.client(withId: client.clientId), client, "client after rejected saves")
            try expectNil(try await ctx.stores.clients.client(withId: ctx.key("fresh")), "new client whose save was rejected")
            try expect(try await ctx.stores.clients.isOriginAllowed("https://\(good)"), "original origin after rejected saves")
            try expect(!(try await ctx.stores.clients.isOriginAllowed("https://\(later)")), "valid origin of a rejected save")
        },

        ConformanceCase("clients.cors.over-long-origin-too-large") { ctx in
            // Every backend indexes origins, so one limit (CorsOrigin.maxBytes) holds everywhere.
            let host = ConfigSupport.host(ctx, "long")
            var client = Client(clientId: ctx.key("cors"))
            client.allowedCorsOrigins = ["https://\(host)"]
            try await ctx.stores.clients.saveClient(client)
            let longest = "https://" + String(repeating: "a", count: CorsOrigin.maxBytes - 8 - host.utf8.count - 1) + "." + host
            var atLimit = client
            atLimit.allowedCorsOrigins = [longest]
            try await ctx.stores.clients.saveClient(atLimit)
            try expect(try await ctx.stores.clients.isOriginAllowed(longest), "an origin of exactly \(CorsOrigin.maxBytes) bytes")
            var tooLong = client
            tooLong.clientName = "changed"
            tooLong.allowedCorsOrigins = ["https://a" + String(repeating: "a", count: CorsOrigin.maxBytes) + ".example"]
            try await expectError(.tooLarge, "saving a client with a CORS origin over the limit") {
                try await ctx.stores.clients.saveClient(tooLong)
            }
            try expectEqual(try await ctx.stores.clients.client(withId: client.clientId), atLimit, "client after the rejected save")
        },
    ]
}

// MARK: - Bad input

extension ConformanceSuite {
    static let clientInputCases: [ConformanceCase] = [
        ConformanceCase("clients.save.invalid-id-rejected") { ctx in
            let prior = ConfigSupport.fullClient(ctx.key("prior"), ctx)
            try await ctx.stores.clients.saveClient(prior)
            try await expectError(.invalidArgument, "saving a client with an empty id") {
                try await ctx.stores.clients.saveClient(Client(clientId: ""))
            }
            try await expectError(.invalidArgument, "saving a client whose id contains NUL") {
                try await ctx.stores.clients.saveClient(Client(clientId: ctx.key("nul\0after")))
            }
            try expectNil(try await ctx.stores.clients.client(withId: ctx.key("nul")), "client under the id truncated at NUL")
            let tooLong = ConfigSupport.key(ctx, bytes: IdentityStorageLimits.maxKeyBytes + 1)
            try await expectError(.invalidArgument, "saving a client with a 201-byte id") {
                try await ctx.stores.clients.saveClient(Client(clientId: tooLong))
            }
            let truncated = String(decoding: tooLong.utf8.prefix(IdentityStorageLimits.maxKeyBytes), as: UTF8.self)
            try expectNil(try await ctx.stores.clients.client(withId: truncated), "client under the over-long id cut to 200 bytes")
            let longest = ConfigSupport.key(ctx, bytes: IdentityStorageLimits.maxKeyBytes)
            try await ctx.stores.clients.saveClient(Client(clientId: longest))
            try expectEqual(try await ctx.stores.clients.client(withId: longest), Client(clientId: longest), "client with a 200-byte id")
            try expectEqual(try await ctx.stores.clients.client(withId: prior.clientId), prior, "earlier client after rejected saves")
        },

        ConformanceCase("clients.save.nul-in-field-rejected") { ctx in
            let prior = ConfigSupport.fullClient(ctx.key("prior"), ctx)
            try await ctx.stores.clients.saveClient(prior)
            var mutations: [(String, Client)] = []
            var c = prior; c.description = "before\0after"; mutations.append(("description", c))
            c = prior; c.clientName = "\0"; mutations.append(("clientName", c))
            c = prior; c.redirectUris.insert("https://x.example/\0"); mutations.append(("redirect URI", c))
            c = prior; c.allowedScopes.insert("sc\0pe"); mutations.append(("scope", c))
            c = prior; c.clientSecrets.insert(Secret(value: "sec\0ret")); mutations.append(("secret value", c))
            c = prior; c.claims.insert(ClientClaim(type: "t", value: "v\0")); mutations.append(("claim value", c))
            c = prior; c.properties["k"] = "v\0"; mutations.append(("property value", c))
            c = prior; c.properties["k\0"] = "v"; mutations.append(("property key", c))
            for (field, client) in mutations {
                try await expectError(.invalidArgument, "saving a client with NUL in its \(field)") {
                    try await ctx.stores.clients.saveClient(client)
                }
            }
            try expectEqual(try await ctx.stores.clients.client(withId: prior.clientId), prior, "client after rejected saves")
        },

        ConformanceCase("clients.save.empty-collection-item-rejected") { ctx in
            let prior = ConfigSupport.fullClient(ctx.key("prior"), ctx)
            try await ctx.stores.clients.saveClient(prior)
            var mutations: [(String, Client)] = []
            var c = prior; c.redirectUris.insert(""); mutations.append(("redirect URI", c))
            c = prior; c.allowedScopes.insert(""); mutations.append(("scope", c))
            c = prior; c.allowedGrantTypes.insert(""); mutations.append(("grant type", c))
            for (field, client) in mutations {
                try await expectError(.invalidArgument, "saving a client with an empty \(field)") {
                    try await ctx.stores.clients.saveClient(client)
                }
            }
            try expectEqual(try await ctx.stores.clients.client(withId: prior.clientId), prior, "client after rejected saves")
        },

        ConformanceCase("clients.save.over-long-text-too-large") { ctx in
            let prior = ConfigSupport.fullClient(ctx.key("prior"), ctx)
            try await ctx.stores.clients.saveClient(prior)
            let over = ConfigSupport.text(bytes: IdentityStorageLimits.maxTextBytes + 1)
            var mutations: [(String, Client)] = []
            var c = prior; c.description = over; mutations.append(("description", c))
            c = prior; c.clientName = over; mutations.append(("clientName", c))
            c = prior; c.clientUri = over; mutations.append(("clientUri", c))
            c = prior; c.redirectUris.insert("https://x.example/" + over); mutations.append(("redirect URI", c))
            c = prior; c.properties["big"] = over; mutations.append(("property value", c))
            for (field, client) in mutations {
                try await expectError(.tooLarge, "saving a client with a \(IdentityStorageLimits.maxTextBytes + 1)-byte \(field)") {
                    try await ctx.stores.clients.saveClient(client)
                }
            }
            try expectEqual(try await ctx.stores.clients.client(withId: prior.clientId), prior, "client after rejected saves")
            var largest = prior
            largest.description = ConfigSupport.text(bytes: IdentityStorageLimits.maxTextBytes)
            try await ctx.stores.clients.saveClient(largest)
            let loaded = try expectValue(try await ctx.stores.clients.client(withId: prior.clientId), "client with a 4000-byte description")
            try ConfigSupport.expectSameBytes(loaded.description, largest.description, "4000-byte description")
            try expectEqual(loaded, largest, "client with a 4000-byte description")
        },
    ]
}
