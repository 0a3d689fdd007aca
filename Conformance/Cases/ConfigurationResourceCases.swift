import Foundation
import IdentityStorage

// MARK: - Builders

extension ConfigSupport {
    /// An identity resource with every field set to a non-default value.
    static func fullIdentityResource(_ name: String) -> IdentityResource {
        var r = IdentityResource(name: name, userClaims: Set((0..<20).map { "claim_\($0)" }).union(["sub", "ünïcode_claim"]))
        r.enabled = false
        r.displayName = "Identity " + unicode
        r.description = "Describes \"\(name)\"\n\t<b>bold</b> & more"
        r.showInDiscoveryDocument = false
        r.properties = ["a": "1", "empty": "", "ключ": unicode, "A": "case-distinct key"]
        r.required = true
        r.emphasize = true
        return r
    }

    /// An API scope with every field set to a non-default value.
    static func fullApiScope(_ name: String) -> ApiScope {
        var s = ApiScope(name: name)
        s.enabled = false
        s.displayName = "Scope " + unicode
        s.description = ""
        s.showInDiscoveryDocument = false
        s.userClaims = Set((0..<15).map { "scope_claim_\($0)" })
        s.properties = ["x": "y", "empty": "", "長い": String(repeating: "値", count: 100)]
        s.required = true
        s.emphasize = true
        return s
    }

    /// An API resource with every field set to a non-default value, serving `scopes`.
    static func fullApiResource(_ name: String, scopes: Set<String>, _ ctx: ConformanceContext) -> ApiResource {
        var r = ApiResource(name: name, scopes: scopes)
        r.enabled = false
        r.displayName = "API " + unicode
        r.description = "API description"
        r.showInDiscoveryDocument = false
        r.userClaims = ["role", "email", "Role"]
        r.properties = ["audience": name, "empty": ""]
        r.requireResourceIndicator = true
        r.apiSecrets = [
            Secret(value: "api-secret-hash", type: "SharedSecret", description: "with expiration", expiration: instant(ctx, 12_345.678901)),
            Secret(value: "thumbprint", type: "X509Thumbprint", description: nil, expiration: nil),
            Secret(value: "jwk", type: "JWK", description: "", expiration: nil),
        ]
        r.allowedAccessTokenSigningAlgorithms = ["RS256", "PS256", "ES384"]
        return r
    }

    /// `items` sorted by byte order of `name`, for order-independent comparison of query results.
    static func byName<T>(_ items: [T], _ name: (T) -> String) -> [T] {
        items.sorted { ExactString(name($0)) < ExactString(name($1)) }
    }

    /// The resources of `all` whose names start with the case's namespace, each kind sorted by name.
    static func mine(_ all: Resources, _ ctx: ConformanceContext) -> Resources {
        Resources(identityResources: byName(all.identityResources.filter { $0.name.hasPrefix(ctx.namespace) }, \.name),
                  apiResources: byName(all.apiResources.filter { $0.name.hasPrefix(ctx.namespace) }, \.name),
                  apiScopes: byName(all.apiScopes.filter { $0.name.hasPrefix(ctx.namespace) }, \.name))
    }
}

// MARK: - Queries

extension ConformanceSuite {
    static let resourceQueryCases: [ConformanceCase] = [
        ConformanceCase("resources.identity.by-scope-names") { ctx in
            let store = ctx.stores.resources
            let resources = ["openid", "profile", "email"].map { ConfigSupport.fullIdentityResource(ctx.key($0)) }
            for resource in resources { try await store.saveIdentityResource(resource) }
            let found = try await store.identityResources(withScopeNames: [ctx.key("openid"), ctx.key("email")])
            try expectEqual(ConfigSupport.byName(found, \.name), [resources[2], resources[0]], "identity resources for two of three names")
            let one = try await store.identityResources(withScopeNames: [ctx.key("profile")])
            try expectEqual(one, [resources[1]], "identity resource for one name")
        },

        ConformanceCase("resources.api-scopes.by-names") { ctx in
            let store = ctx.stores.resources
            let scopes = ["read", "write", "admin"].map { ConfigSupport.fullApiScope(ctx.key($0)) }
            for scope in scopes { try await store.saveApiScope(scope) }
            let found = try await store.apiScopes(withNames: [ctx.key("read"), ctx.key("admin")])
            try expectEqual(ConfigSupport.byName(found, \.name), [scopes[2], scopes[0]], "API scopes for two of three names")
            try expectEqual(try await store.apiScopes(withNames: [ctx.key("write")]), [scopes[1]], "API scope for one name")
        },

        ConformanceCase("resources.api-resources.by-scope-names") { ctx in
            let store = ctx.stores.resources
            let s = { (n: Int) in ctx.key("scope\(n)") }
            let a = ConfigSupport.fullApiResource(ctx.key("api-a"), scopes: [s(1), s(2)], ctx)
            let b = ConfigSupport.fullApiResource(ctx.key("api-b"), scopes: [s(2), s(3)], ctx)
            let c = ConfigSupport.fullApiResource(ctx.key("api-c"), scopes: [s(4)], ctx)
            let d = ConfigSupport.fullApiResource(ctx.key("api-d"), scopes: [], ctx)
            for resource in [a, b, c, d] { try await store.saveApiResource(resource) }
            try expectEqual(ConfigSupport.byName(try await store.apiResources(withScopeNames: [s(1), s(2)]), \.name), [a, b],
                            "API resources serving scope1 or scope2 (api-a serves both: returned once)")
            try expectEqual(try await store.apiResources(withScopeNames: [s(3)]), [b], "API resources serving scope3")
            try expectEqual(ConfigSupport.byName(try await store.apiResources(withScopeNames: [s(1), s(4)]), \.name), [a, c],
                            "API resources serving scope1 or scope4")
            try expectEqual(try await store.apiResources(withScopeNames: [s(5)]), [], "API resources serving a scope nobody serves")
            try expectEqual(try await store.apiResources(withScopeNames: [ctx.key("api-a")]), [],
                            "API resources by scope name given a resource name")
        },

        ConformanceCase("resources.api-resources.by-names") { ctx in
            let store = ctx.stores.resources
            let apis = ["orders", "billing", "catalog"].map {
                ConfigSupport.fullApiResource(ctx.key($0), scopes: [ctx.key($0 + ".read")], ctx)
            }
            for api in apis { try await store.saveApiResource(api) }
            try expectEqual(ConfigSupport.byName(try await store.apiResources(withNames: [ctx.key("orders"), ctx.key("catalog")]), \.name),
                            [apis[2], apis[0]], "API resources for two of three names")
            try expectEqual(try await store.apiResources(withNames: [ctx.key("billing")]), [apis[1]], "API resource for one name")
            try expectEqual(try await store.apiResources(withNames: [ctx.key("orders.read")]), [], "API resources by name given a scope name")
        },

        ConformanceCase("resources.find.unknown-and-repeated-names") { ctx in
            let store = ctx.stores.resources
            let identity = ConfigSupport.fullIdentityResource(ctx.key("id"))
            let scope = ConfigSupport.fullApiScope(ctx.key("scope"))
            let api = ConfigSupport.fullApiResource(ctx.key("api"), scopes: [scope.name], ctx)
            try await store.saveIdentityResource(identity)
            try await store.saveApiScope(scope)
            try await store.saveApiResource(api)
            let unknown = [ctx.key("unknown"), ctx.key("")]
            try expectEqual(try await store.identityResources(withScopeNames: unknown + [identity.name, identity.name]), [identity],
                            "identity resources for known, unknown and repeated names")
            try expectEqual(try await store.apiScopes(withNames: [scope.name] + unknown + [scope.name]), [scope],
                            "API scopes for known, unknown and repeated names")
            try expectEqual(try await store.apiResources(withScopeNames: unknown + [scope.name, scope.name]), [api],
                            "API resources for known, unknown and repeated scope names")
            try expectEqual(try await store.apiResources(withNames: [api.name, api.name] + unknown), [api],
                            "API resources for known, unknown and repeated names")
            try expectEqual(try await store.identityResources(withScopeNames: unknown), [], "identity resources for unknown names only")
            try expectEqual(try await store.apiScopes(withNames: unknown), [], "API scopes for unknown names only")
            try expectEqual(try await store.apiResources(withScopeNames: unknown), [], "API resources for unknown scope names only")
            try expectEqual(try await store.apiResources(withNames: unknown), [], "API resources for unknown names only")
        },

        ConformanceCase("resources.find.empty-name-list") { ctx in
            let store = ctx.stores.resources
            try await store.saveIdentityResource(ConfigSupport.fullIdentityResource(ctx.key("id")))
            try await store.saveApiScope(ConfigSupport.fullApiScope(ctx.key("scope")))
            try await store.saveApiResource(ConfigSupport.fullApiResource(ctx.key("api"), scopes: [ctx.key("scope")], ctx))
            try expectEqual(try await store.identityResources(withScopeNames: []), [], "identity resources for no names")
            try expectEqual(try await store.apiScopes(withNames: []), [], "API scopes for no names")
            try expectEqual(try await store.apiResources(withScopeNames: []), [], "API resources for no scope names")
            try expectEqual(try await store.apiResources(withNames: []), [], "API resources for no names")
        },

        ConformanceCase("resources.find.case-sensitive-names") { ctx in
            let store = ctx.stores.resources
            var lower = ConfigSupport.fullIdentityResource(ctx.key("profile"))
            lower.displayName = "lower"
            try await store.saveIdentityResource(lower)
            try expectEqual(try await store.identityResources(withScopeNames: [ctx.key("Profile"), ctx.key("PROFILE")]), [],
                            "identity resources for names differing only in case")
            var upper = lower
            upper.name = ctx.key("Profile")
            upper.displayName = "upper"
            try await store.saveIdentityResource(upper)
            try expectEqual(try await store.identityResources(withScopeNames: [lower.name]), [lower], "lower-case identity resource")
            try expectEqual(try await store.identityResources(withScopeNames: [upper.name]), [upper], "upper-case identity resource")

            try await store.saveApiScope(ConfigSupport.fullApiScope(ctx.key("read")))
            try expectEqual(try await store.apiScopes(withNames: [ctx.key("READ"), ctx.key("read ")]), [],
                            "API scopes for names differing in case or by a trailing space")
            try await store.saveApiResource(ConfigSupport.fullApiResource(ctx.key("api"), scopes: [ctx.key("read")], ctx))
            try expectEqual(try await store.apiResources(withNames: [ctx.key("API")]), [], "API resources for a name differing in case")
            try expectEqual(try await store.apiResources(withScopeNames: [ctx.key("Read")]), [],
                            "API resources for a scope name differing in case")

            let nfc = ConfigSupport.fullApiScope(ctx.key("caf\u{E9}"))
            try await store.saveApiScope(nfc)
            let byNfd = try await store.apiScopes(withNames: [ctx.key("cafe\u{301}")])
            try expect(byNfd.isEmpty, "API scopes for the NFD spelling of a stored NFC name: expected none, got \(byNfd.map(\.name))")
            let byNfc = try await store.apiScopes(withNames: [nfc.name])
            try expectEqual(byNfc.count, 1, "API scopes for the NFC name")
            try ConfigSupport.expectSameBytes(byNfc.first?.name, nfc.name, "NFC scope name bytes")
        },

        ConformanceCase("resources.all.includes-disabled-and-hidden") { ctx in
            let store = ctx.stores.resources
            var identityVisible = ConfigSupport.fullIdentityResource(ctx.key("id-visible"))
            identityVisible.enabled = true
            identityVisible.showInDiscoveryDocument = true
            let identityHidden = ConfigSupport.fullIdentityResource(ctx.key("id-hidden"))
            var scopeVisible = ConfigSupport.fullApiScope(ctx.key("scope-visible"))
            scopeVisible.enabled = true
            scopeVisible.showInDiscoveryDocument = true
            var scopeDisabled = ConfigSupport.fullApiScope(ctx.key("scope-disabled"))
            scopeDisabled.showInDiscoveryDocument = true
            var scopeHidden = ConfigSupport.fullApiScope(ctx.key("scope-hidden"))
            scopeHidden.enabled = true
            let apiDisabledHidden = ConfigSupport.fullApiResource(ctx.key("api-disabled"), scopes: [scopeVisible.name], ctx)
            var apiVisible = ConfigSupport.fullApiResource(ctx.key("api-visible"), scopes: [], ctx)
            apiVisible.enabled = true
            apiVisible.showInDiscoveryDocument = true
            for r in [identityVisible, identityHidden] { try await store.saveIdentityResource(r) }
            for s in [scopeVisible, scopeDisabled, scopeHidden] { try await store.saveApiScope(s) }
            for a in [apiDisabledHidden, apiVisible] { try await store.saveApiResource(a) }
            let mine = ConfigSupport.mine(try await store.allResources(), ctx)
            try expectEqual(mine.identityResources, [identityHidden, identityVisible], "this case's identity resources in allResources")
            try expectEqual(mine.apiScopes, [scopeDisabled, scopeHidden, scopeVisible], "this case's API scopes in allResources")
            try expectEqual(mine.apiResources, [apiDisabledHidden, apiVisible], "this case's API resources in allResources")
        },
    ]
}

// MARK: - Writes

extension ConformanceSuite {
    static let resourceWriteCases: [ConformanceCase] = [
        ConformanceCase("resources.identity.collections-round-trip") { ctx in
            let resource = ConfigSupport.fullIdentityResource(ctx.key("full"))
            try await ctx.stores.resources.saveIdentityResource(resource)
            let found = try await ctx.stores.resources.identityResources(withScopeNames: [resource.name])
            try expectEqual(found, [resource], "identity resource with every field set")
            try ConfigSupport.expectSameBytes(found.first?.displayName, resource.displayName, "display name bytes")
            let minimal = IdentityResource(name: ctx.key("minimal"))
            try await ctx.stores.resources.saveIdentityResource(minimal)
            try expectEqual(try await ctx.stores.resources.identityResources(withScopeNames: [minimal.name]), [minimal],
                            "identity resource with defaults (nil texts, no claims, no properties)")
        },

        ConformanceCase("resources.api-scopes.collections-round-trip") { ctx in
            let scope = ConfigSupport.fullApiScope(ctx.key("full"))
            try await ctx.stores.resources.saveApiScope(scope)
            let found = try await ctx.stores.resources.apiScopes(withNames: [scope.name])
            try expectEqual(found, [scope], "API scope with every field set (empty description)")
            try ConfigSupport.expectSameBytes(found.first?.displayName, scope.displayName, "display name bytes")
            let minimal = ApiScope(name: ctx.key("minimal"))
            try await ctx.stores.resources.saveApiScope(minimal)
            try expectEqual(try await ctx.stores.resources.apiScopes(withNames: [minimal.name]), [minimal], "API scope with defaults")
        },

        ConformanceCase("resources.api-resources.collections-round-trip") { ctx in
            let scopes = Set((0..<12).map { ctx.key("scope.\($0)") })
            let api = ConfigSupport.fullApiResource(ctx.key("full"), scopes: scopes, ctx)
            try await ctx.stores.resources.saveApiResource(api)
            let byName = try await ctx.stores.resources.apiResources(withNames: [api.name])
            try expectEqual(byName, [api], "API resource with every field set, by name")
            try expectEqual(try await ctx.stores.resources.apiResources(withScopeNames: [ctx.key("scope.7")]), [api],
                            "API resource with every field set, by one of its scopes")
            try ConfigSupport.expectSameBytes(byName.first?.displayName, api.displayName, "display name bytes")
            let minimal = ApiResource(name: ctx.key("minimal"))
            try await ctx.stores.resources.saveApiResource(minimal)
            try expectEqual(try await ctx.stores.resources.apiResources(withNames: [minimal.name]), [minimal],
                            "API resource with defaults (no scopes, secrets, algorithms)")
        },

        ConformanceCase("resources.identity.upsert-replaces") { ctx in
            let store = ctx.stores.resources
            let first = ConfigSupport.fullIdentityResource(ctx.key("upsert"))
            try await store.saveIdentityResource(first)
            var second = IdentityResource(name: first.name, userClaims: ["sub", "new_claim"])
            second.displayName = "second"
            second.properties = ["a": "changed"]
            try await store.saveIdentityResource(second)
            try expectEqual(try await store.identityResources(withScopeNames: [first.name]), [second],
                            "identity resource after an upsert with fewer claims and properties")
            let mine = ConfigSupport.mine(try await store.allResources(), ctx)
            try expectEqual(mine.identityResources, [second], "this case's identity resources in allResources after the upsert (one row)")
        },

        ConformanceCase("resources.api-scopes.upsert-replaces") { ctx in
            let store = ctx.stores.resources
            let first = ConfigSupport.fullApiScope(ctx.key("upsert"))
            try await store.saveApiScope(first)
            var second = ApiScope(name: first.name)
            second.userClaims = ["scope_claim_1", "other"]
            second.description = nil
            try await store.saveApiScope(second)
            try expectEqual(try await store.apiScopes(withNames: [first.name]), [second], "API scope after an upsert")
            let mine = ConfigSupport.mine(try await store.allResources(), ctx)
            try expectEqual(mine.apiScopes, [second], "this case's API scopes in allResources after the upsert (one row)")
        },

        ConformanceCase("resources.api-resources.upsert-replaces") { ctx in
            let store = ctx.stores.resources
            let s1 = ctx.key("s1"), s2 = ctx.key("s2"), s3 = ctx.key("s3")
            let first = ConfigSupport.fullApiResource(ctx.key("upsert"), scopes: [s1, s2], ctx)
            try await store.saveApiResource(first)
            var second = ApiResource(name: first.name, scopes: [s2, s3])
            second.apiSecrets = [Secret(value: "only-secret", expiration: ConfigSupport.instant(ctx, 60))]
            second.userClaims = ["role"]
            try await store.saveApiResource(second)
            try expectEqual(try await store.apiResources(withNames: [first.name]), [second], "API resource after an upsert")
            try expectEqual(try await store.apiResources(withScopeNames: [s1]), [], "API resources serving a scope removed by the upsert")
            try expectEqual(try await store.apiResources(withScopeNames: [s3]), [second], "API resources serving a scope added by the upsert")
            try expectEqual(try await store.apiResources(withScopeNames: [s2]), [second], "API resources serving a kept scope")
            let mine = ConfigSupport.mine(try await store.allResources(), ctx)
            try expectEqual(mine.apiResources, [second], "this case's API resources in allResources after the upsert (one row)")
        },

        ConformanceCase("resources.delete.removes") { ctx in
            let store = ctx.stores.resources
            let identity = ConfigSupport.fullIdentityResource(ctx.key("id"))
            let identityKept = ConfigSupport.fullIdentityResource(ctx.key("id-kept"))
            let scope = ConfigSupport.fullApiScope(ctx.key("scope"))
            let scopeKept = ConfigSupport.fullApiScope(ctx.key("scope-kept"))
            let api = ConfigSupport.fullApiResource(ctx.key("api"), scopes: [scope.name], ctx)
            let apiKept = ConfigSupport.fullApiResource(ctx.key("api-kept"), scopes: [scopeKept.name], ctx)
            for r in [identity, identityKept] { try await store.saveIdentityResource(r) }
            for s in [scope, scopeKept] { try await store.saveApiScope(s) }
            for a in [api, apiKept] { try await store.saveApiResource(a) }
            try expect(try await store.deleteIdentityResource(named: identity.name), "deleting an existing identity resource returns true")
            try expect(try await store.deleteApiScope(named: scope.name), "deleting an existing API scope returns true")
            try expect(try await store.deleteApiResource(named: api.name), "deleting an existing API resource returns true")
            try expectEqual(try await store.identityResources(withScopeNames: [identity.name]), [], "deleted identity resource")
            try expectEqual(try await store.apiScopes(withNames: [scope.name]), [], "deleted API scope")
            try expectEqual(try await store.apiResources(withNames: [api.name]), [], "deleted API resource by name")
            try expectEqual(try await store.apiResources(withScopeNames: [scope.name]), [], "deleted API resource by its scope")
            let mine = ConfigSupport.mine(try await store.allResources(), ctx)
            try expectEqual(mine, Resources(identityResources: [identityKept], apiResources: [apiKept], apiScopes: [scopeKept]),
                            "this case's resources in allResources after the deletes")
            try expect(!(try await store.deleteIdentityResource(named: identity.name)), "deleting the identity resource again returns false")
            try expect(!(try await store.deleteApiScope(named: scope.name)), "deleting the API scope again returns false")
            try expect(!(try await store.deleteApiResource(named: api.name)), "deleting the API resource again returns false")
            let fresh = ApiResource(name: api.name)
            try await store.saveApiResource(fresh)
            try expectEqual(try await store.apiResources(withNames: [api.name]), [fresh],
                            "API resource re-created after deletion (nothing of the deleted one survives)")
        },

        ConformanceCase("resources.delete.missing-is-false") { ctx in
            let store = ctx.stores.resources
            try expect(!(try await store.deleteIdentityResource(named: ctx.key("missing"))), "deleting a missing identity resource")
            try expect(!(try await store.deleteApiScope(named: ctx.key("missing"))), "deleting a missing API scope")
            try expect(!(try await store.deleteApiResource(named: ctx.key("missing"))), "deleting a missing API resource")
            let scope = ConfigSupport.fullApiScope(ctx.key("Scope"))
            try await store.saveApiScope(scope)
            try expect(!(try await store.deleteApiScope(named: ctx.key("scope"))), "deleting an API scope by a name differing in case")
            try expectEqual(try await store.apiScopes(withNames: [scope.name]), [scope], "API scope after a delete of another-case name")
        },

        ConformanceCase("resources.kinds.separate-names") { ctx in
            let store = ctx.stores.resources
            let name = ctx.key("shared")
            let identity = ConfigSupport.fullIdentityResource(name)
            let scope = ConfigSupport.fullApiScope(name)
            let api = ConfigSupport.fullApiResource(name, scopes: [name], ctx)
            try await store.saveIdentityResource(identity)
            try await store.saveApiScope(scope)
            try await store.saveApiResource(api)
            try expectEqual(try await store.identityResources(withScopeNames: [name]), [identity], "identity resource sharing its name")
            try expectEqual(try await store.apiScopes(withNames: [name]), [scope], "API scope sharing its name")
            try expectEqual(try await store.apiResources(withNames: [name]), [api], "API resource sharing its name")
            try expect(try await store.deleteApiScope(named: name), "deleting the API scope")
            try expectEqual(try await store.identityResources(withScopeNames: [name]), [identity], "identity resource after deleting the API scope")
            try expectEqual(try await store.apiResources(withScopeNames: [name]), [api], "API resource after deleting the API scope")
            try expect(try await store.deleteIdentityResource(named: name), "deleting the identity resource")
            try expectEqual(try await store.apiResources(withNames: [name]), [api], "API resource after deleting the other kinds")
        },

        ConformanceCase("resources.save.invalid-name-rejected") { ctx in
            let store = ctx.stores.resources
            let identity = ConfigSupport.fullIdentityResource(ctx.key("id"))
            let scope = ConfigSupport.fullApiScope(ctx.key("scope"))
            let api = ConfigSupport.fullApiResource(ctx.key("api"), scopes: [scope.name], ctx)
            try await store.saveIdentityResource(identity)
            try await store.saveApiScope(scope)
            try await store.saveApiResource(api)
            let tooLong = ConfigSupport.key(ctx, bytes: IdentityStorageLimits.maxKeyBytes + 1)
            for (what, name) in [("an empty name", ""), ("a name with NUL", ctx.key("n\0ul")), ("a 201-byte name", tooLong)] {
                try await expectError(.invalidArgument, "saving an identity resource with \(what)") {
                    try await store.saveIdentityResource(IdentityResource(name: name, userClaims: ["sub"]))
                }
                try await expectError(.invalidArgument, "saving an API scope with \(what)") {
                    try await store.saveApiScope(ApiScope(name: name))
                }
                try await expectError(.invalidArgument, "saving an API resource with \(what)") {
                    try await store.saveApiResource(ApiResource(name: name))
                }
            }
            var badScope = api
            badScope.scopes.insert("")
            try await expectError(.invalidArgument, "saving an API resource serving an empty scope name") {
                try await store.saveApiResource(badScope)
            }
            var nulClaim = identity
            nulClaim.userClaims.insert("cla\0im")
            try await expectError(.invalidArgument, "saving an identity resource with NUL in a user claim") {
                try await store.saveIdentityResource(nulClaim)
            }
            var nulProperty = scope
            nulProperty.properties["k"] = "\0"
            try await expectError(.invalidArgument, "saving an API scope with NUL in a property value") {
                try await store.saveApiScope(nulProperty)
            }
            let mine = ConfigSupport.mine(try await store.allResources(), ctx)
            try expectEqual(mine, Resources(identityResources: [identity], apiResources: [api], apiScopes: [scope]),
                            "this case's resources after rejected saves")
        },

        ConformanceCase("resources.save.over-long-text-too-large") { ctx in
            let store = ctx.stores.resources
            let identity = ConfigSupport.fullIdentityResource(ctx.key("id"))
            let scope = ConfigSupport.fullApiScope(ctx.key("scope"))
            let api = ConfigSupport.fullApiResource(ctx.key("api"), scopes: [scope.name], ctx)
            try await store.saveIdentityResource(identity)
            try await store.saveApiScope(scope)
            try await store.saveApiResource(api)
            let over = ConfigSupport.text(bytes: IdentityStorageLimits.maxTextBytes + 1)
            var i = identity; i.description = over
            try await expectError(.tooLarge, "saving an identity resource with a 4001-byte description") { try await store.saveIdentityResource(i) }
            var s = scope; s.displayName = over
            try await expectError(.tooLarge, "saving an API scope with a 4001-byte display name") { try await store.saveApiScope(s) }
            var a = api; a.description = over
            try await expectError(.tooLarge, "saving an API resource with a 4001-byte description") { try await store.saveApiResource(a) }
            var p = api; p.properties["big"] = over
            try await expectError(.tooLarge, "saving an API resource with a 4001-byte property value") { try await store.saveApiResource(p) }
            let mine = ConfigSupport.mine(try await store.allResources(), ctx)
            try expectEqual(mine, Resources(identityResources: [identity], apiResources: [api], apiScopes: [scope]),
                            "this case's resources after rejected saves")
            var largest = identity
            largest.description = ConfigSupport.text(bytes: IdentityStorageLimits.maxTextBytes)
            try await store.saveIdentityResource(largest)
            try expectEqual(try await store.identityResources(withScopeNames: [identity.name]), [largest],
                            "identity resource with a 4000-byte description")
        },
    ]
}
