import Foundation
import IdentityStorage

extension ConfigSupport {
    /// An OIDC provider with upstream's settings as properties, plus Unicode and an empty value.
    static func oidcProvider(_ scheme: String, displayName: String? = "Sign in with " + unicode, enabled: Bool = true) -> IdentityProvider {
        IdentityProvider(scheme: scheme, type: "oidc", displayName: displayName, enabled: enabled, properties: [
            "Authority": "https://login.example/tenant-é/v2.0",
            "ResponseType": "code",
            "ClientId": "client-\(scheme)",
            "ClientSecret": "s3cr3t/+=",
            "Scope": "openid profile email",
            "GetClaimsFromUserInfoEndpoint": "false",
            "UsePkce": "true",
            "Empty": "",
            "Ünïcode": unicode,
        ])
    }

    /// The names of `all` whose scheme starts with the case's namespace.
    static func mine(_ all: [IdentityProviderName], _ ctx: ConformanceContext) -> [IdentityProviderName] {
        all.filter { $0.scheme.hasPrefix(ctx.namespace) }
    }
}

extension ConformanceSuite {
    static let identityProviderStoreCases: [ConformanceCase] = [
        ConformanceCase("identity-providers.find.missing-is-nil") { ctx in
            try expectNil(try await ctx.stores.identityProviders.identityProvider(forScheme: ctx.key("never-saved")), "provider never saved")
            try await ctx.stores.identityProviders.saveIdentityProvider(ConfigSupport.oidcProvider(ctx.key("present")))
            try expectNil(try await ctx.stores.identityProviders.identityProvider(forScheme: ctx.key("presen")),
                          "provider whose scheme is a prefix of a stored one")
        },

        ConformanceCase("identity-providers.save.round-trips") { ctx in
            let store = ctx.stores.identityProviders
            let full = ConfigSupport.oidcProvider(ctx.key("full"))
            let bare = IdentityProvider(scheme: ctx.key("bare"), type: "oidc", displayName: nil, enabled: true, properties: [:])
            let emptyName = IdentityProvider(scheme: ctx.key("empty-name"), type: "oidc", displayName: "", enabled: false, properties: ["k": ""])
            for provider in [full, bare, emptyName] { try await store.saveIdentityProvider(provider) }
            let loaded = try expectValue(try await store.identityProvider(forScheme: full.scheme), "provider with properties")
            try expectEqual(loaded, full, "provider with properties")
            try ConfigSupport.expectSameBytes(loaded.displayName, full.displayName, "display name bytes")
            try ConfigSupport.expectSameBytes(loaded.properties["Ünïcode"], ConfigSupport.unicode, "Unicode property bytes")
            try expectEqual(try await store.identityProvider(forScheme: bare.scheme), bare, "provider with nil display name and no properties")
            try expectEqual(try await store.identityProvider(forScheme: emptyName.scheme), emptyName,
                            "provider with an empty display name and an empty property value")
        },

        ConformanceCase("identity-providers.scheme-names.includes-disabled") { ctx in
            let store = ctx.stores.identityProviders
            let providers = [
                ConfigSupport.oidcProvider(ctx.key("b-enabled"), displayName: "B", enabled: true),
                ConfigSupport.oidcProvider(ctx.key("a-disabled"), displayName: "A " + ConfigSupport.unicode, enabled: false),
                ConfigSupport.oidcProvider(ctx.key("C-nil-name"), displayName: nil, enabled: true),
                IdentityProvider(scheme: ctx.key("d-saml"), type: "saml2", displayName: "", enabled: false),
            ]
            for provider in providers { try await store.saveIdentityProvider(provider) }
            let all = try await store.allSchemeNames()
            try expect(ConfigSupport.strictlyIncreasingBytes(all.map(\.scheme)), "allSchemeNames is not in strictly increasing byte order of scheme")
            let expected = ConfigSupport.byName(providers, \.scheme).map {
                IdentityProviderName(scheme: $0.scheme, displayName: $0.displayName, enabled: $0.enabled)
            }
            try expectEqual(ConfigSupport.mine(all, ctx), expected, "this case's scheme names (disabled included, byte order)")
        },

        ConformanceCase("identity-providers.find.case-sensitive-scheme") { ctx in
            let store = ctx.stores.identityProviders
            let upper = ConfigSupport.oidcProvider(ctx.key("SCHEME3"), displayName: "upper")
            try await store.saveIdentityProvider(upper)
            try expectNil(try await store.identityProvider(forScheme: ctx.key("scheme3")), "lookup of scheme3 when SCHEME3 is stored")
            try expectNil(try await store.identityProvider(forScheme: ctx.key("SCHEME3 ")), "lookup with a trailing space")
            try expectEqual(try await store.identityProvider(forScheme: upper.scheme), upper, "lookup with the exact scheme")
            let lower = ConfigSupport.oidcProvider(ctx.key("scheme3"), displayName: "lower")
            try await store.saveIdentityProvider(lower)
            try expectEqual(try await store.identityProvider(forScheme: upper.scheme), upper, "SCHEME3 after saving scheme3")
            try expectEqual(try await store.identityProvider(forScheme: lower.scheme), lower, "scheme3")
            try expectEqual(ConfigSupport.mine(try await store.allSchemeNames(), ctx).count, 2, "this case's scheme names (two schemes differing in case)")
        },

        ConformanceCase("identity-providers.find.unknown-type-returned") { ctx in
            let store = ctx.stores.identityProviders
            let saml = IdentityProvider(scheme: ctx.key("saml"), type: "saml2", displayName: "SAML",
                                        properties: ["EntityId": "urn:example:idp", "MetadataUrl": "https://idp.example/metadata"])
            let custom = IdentityProvider(scheme: ctx.key("custom"), type: "Custom-Type.v2 ✓")
            try await store.saveIdentityProvider(saml)
            try await store.saveIdentityProvider(custom)
            try expectEqual(try await store.identityProvider(forScheme: saml.scheme), saml, "provider of type saml2")
            let loaded = try expectValue(try await store.identityProvider(forScheme: custom.scheme), "provider of a custom type")
            try ConfigSupport.expectSameBytes(loaded.type, custom.type, "custom type bytes")
            try expectEqual(loaded, custom, "provider of a custom type")
        },

        ConformanceCase("identity-providers.find.disabled-returned") { ctx in
            let provider = ConfigSupport.oidcProvider(ctx.key("disabled"), enabled: false)
            try await ctx.stores.identityProviders.saveIdentityProvider(provider)
            try expectEqual(try await ctx.stores.identityProviders.identityProvider(forScheme: provider.scheme), provider, "disabled provider")
        },

        ConformanceCase("identity-providers.save.upsert-replaces") { ctx in
            let store = ctx.stores.identityProviders
            let first = ConfigSupport.oidcProvider(ctx.key("upsert"), displayName: "first", enabled: true)
            try await store.saveIdentityProvider(first)
            let second = IdentityProvider(scheme: first.scheme, type: "saml2", displayName: "second", enabled: false,
                                          properties: ["Authority": "https://changed.example", "New": "1"])
            try await store.saveIdentityProvider(second)
            try expectEqual(try await store.identityProvider(forScheme: first.scheme), second,
                            "provider after an upsert (type, name, state changed; properties replaced whole)")
            try expectEqual(ConfigSupport.mine(try await store.allSchemeNames(), ctx),
                            [IdentityProviderName(scheme: first.scheme, displayName: "second", enabled: false)],
                            "this case's scheme names after the upsert (one entry, new name and state)")
            let third = IdentityProvider(scheme: first.scheme, type: "oidc", displayName: nil, enabled: true, properties: [:])
            try await store.saveIdentityProvider(third)
            try expectEqual(try await store.identityProvider(forScheme: first.scheme), third, "provider after an upsert emptying its properties")
        },

        ConformanceCase("identity-providers.delete.removes") { ctx in
            let store = ctx.stores.identityProviders
            let gone = ConfigSupport.oidcProvider(ctx.key("gone"))
            let kept = ConfigSupport.oidcProvider(ctx.key("kept"))
            try await store.saveIdentityProvider(gone)
            try await store.saveIdentityProvider(kept)
            try expect(try await store.deleteIdentityProvider(forScheme: gone.scheme), "deleting an existing provider returns true")
            try expectNil(try await store.identityProvider(forScheme: gone.scheme), "deleted provider")
            try expectEqual(try await store.identityProvider(forScheme: kept.scheme), kept, "other provider after the delete")
            try expectEqual(ConfigSupport.mine(try await store.allSchemeNames(), ctx).map(\.scheme), [kept.scheme],
                            "this case's scheme names after the delete")
            try expect(!(try await store.deleteIdentityProvider(forScheme: gone.scheme)), "deleting it again returns false")
            let fresh = IdentityProvider(scheme: gone.scheme)
            try await store.saveIdentityProvider(fresh)
            try expectEqual(try await store.identityProvider(forScheme: gone.scheme), fresh,
                            "provider re-created after deletion (no property of the deleted one survives)")
        },

        ConformanceCase("identity-providers.delete.missing-is-false") { ctx in
            let store = ctx.stores.identityProviders
            try expect(!(try await store.deleteIdentityProvider(forScheme: ctx.key("missing"))), "deleting a missing provider")
            let provider = ConfigSupport.oidcProvider(ctx.key("Upper"))
            try await store.saveIdentityProvider(provider)
            try expect(!(try await store.deleteIdentityProvider(forScheme: ctx.key("upper"))), "deleting by a scheme differing in case")
            try expectEqual(try await store.identityProvider(forScheme: provider.scheme), provider, "provider after a delete of another-case scheme")
        },

        ConformanceCase("identity-providers.save.bad-input-rejected") { ctx in
            let store = ctx.stores.identityProviders
            let prior = ConfigSupport.oidcProvider(ctx.key("prior"))
            try await store.saveIdentityProvider(prior)
            let tooLong = ConfigSupport.key(ctx, bytes: IdentityStorageLimits.maxKeyBytes + 1)
            let invalid: [(String, IdentityProvider)] = [
                ("an empty scheme", IdentityProvider(scheme: "")),
                ("NUL in the scheme", IdentityProvider(scheme: ctx.key("a\0b"))),
                ("a 201-byte scheme", IdentityProvider(scheme: tooLong)),
                ("an empty type", IdentityProvider(scheme: prior.scheme, type: "")),
                ("NUL in the display name", IdentityProvider(scheme: prior.scheme, displayName: "x\0")),
                ("NUL in a property value", IdentityProvider(scheme: prior.scheme, properties: ["Authority": "https://x\0"])),
                ("an empty property key", IdentityProvider(scheme: prior.scheme, properties: ["": "v"])),
            ]
            for (what, provider) in invalid {
                try await expectError(.invalidArgument, "saving a provider with \(what)") {
                    try await store.saveIdentityProvider(provider)
                }
            }
            let over = ConfigSupport.text(bytes: IdentityStorageLimits.maxTextBytes + 1)
            try await expectError(.tooLarge, "saving a provider with a 4001-byte display name") {
                try await store.saveIdentityProvider(IdentityProvider(scheme: prior.scheme, displayName: over))
            }
            try await expectError(.tooLarge, "saving a provider with a 4001-byte property value") {
                try await store.saveIdentityProvider(IdentityProvider(scheme: prior.scheme, properties: ["Big": over]))
            }
            try expectEqual(try await store.identityProvider(forScheme: prior.scheme), prior, "provider after rejected saves")
            try expectNil(try await store.identityProvider(forScheme: ctx.key("a")), "provider under the scheme truncated at NUL")
            try expectEqual(ConfigSupport.mine(try await store.allSchemeNames(), ctx).map(\.scheme), [prior.scheme],
                            "this case's scheme names after rejected saves")
        },
    ]
}
