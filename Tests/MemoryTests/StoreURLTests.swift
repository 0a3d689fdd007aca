import IdentityStorage
import Testing

@Suite("Store URL parsing")
struct StoreURLTests {
    @Test func opaqueForms() throws {
        let memory = try StoreURL(parsing: "memory:")
        #expect(memory.scheme == "memory" && !memory.hasAuthority && memory.path.isEmpty && memory.hosts.isEmpty)
        #expect(try StoreURL(parsing: "sqlite:identity.db").path == "identity.db")
        #expect(try StoreURL(parsing: "sqlite:/var/lib/id/identity.db").path == "/var/lib/id/identity.db")
        #expect(try StoreURL(parsing: "sqlite::memory:").path == ":memory:")
        let upper = try StoreURL(parsing: " SQLITE:x%20y.db?readers=4 ")
        #expect(upper.scheme == "sqlite" && upper.path == "x y.db" && upper.parameters == [.init("readers", "4")])
    }

    @Test func authorityWithEverything() throws {
        let url = try StoreURL(parsing: "postgresql://app:s%40cret@db.example:6543/identity?sslmode=require&connect_timeout=5")
        #expect(url.scheme == "postgresql" && url.hasAuthority)
        #expect(url.hosts == [.init("db.example", port: 6543)])
        #expect(url.user == "app" && url.password == "s@cret")
        #expect(url.path == "/identity" && url.pathName == "identity")
        #expect(url.parameters == [.init("sslmode", "require"), .init("connect_timeout", "5")])
        #expect(url.description == "postgresql://app:***@db.example:6543/identity?sslmode=require&connect_timeout=5")
    }

    @Test func hostsPortsAndEmptyAuthority() throws {
        let cluster = try StoreURL(parsing: "redis-cluster://default:pw@127.0.0.1:7000,[::1]:7001,node3")
        #expect(cluster.hosts == [.init("127.0.0.1", port: 7000), .init("::1", port: 7001), .init("node3")])
        #expect(cluster.description == "redis-cluster://default:***@127.0.0.1:7000,[::1]:7001,node3")
        let passwordOnly = try StoreURL(parsing: "redis://:pw@127.0.0.1/2")
        #expect(passwordOnly.user == nil && passwordOnly.password == "pw" && passwordOnly.pathName == "2")
        let file = try StoreURL(parsing: "file:///etc/idp/configuration.json")
        #expect(file.hasAuthority && file.hosts.isEmpty && file.path == "/etc/idp/configuration.json")
    }

    @Test(arguments: [
        ("", "has no scheme"),
        ("identity.db", "has no scheme"),
        ("1abc:x", "has no scheme"),
        ("postgres://user:pw@:5432/db", "empty host"),
        ("postgres://user:pw@host:99999/db", "port '99999'"),
        ("postgres://user:pw@host:abc/db", "port 'abc'"),
        ("redis-cluster://a:1,,b:2", "empty host"),
        ("postgres://user:pw@/db", "credentials but no host"),
        ("mariadb://u:p%zz@h/db", "bad percent-escape"),
        ("sqlite:x.db?=1", "parameter without a name"),
        ("sqlite:x%00.db", "not valid UTF-8 text without NUL bytes"),
    ])
    func rejectsMalformedURLs(text: String, expected: String) throws {
        #expect {
            try StoreURL(parsing: text)
        } throws: { error in
            guard let error = error as? IdentityStorageError else { return false }
            return error.code == .invalidArgument && error.message.contains(expected)
        }
    }

    @Test func neitherErrorsNorReflectionShowThePassword() throws {
        for text in ["postgres://user:hunter2@:5432/db", "postgres://user:hunter2@host:0/db", "mysql://user:hunter2@h,,h/db",
                     "postgres://user:hunter2@host:x/db", "redis://user:hunter2@/0"] {
            do {
                let url = try StoreURL(parsing: text)
                Issue.record("'\(text)' parsed as \(url)")
            } catch {
                #expect(!error.message.contains("hunter2") && !error.description.contains("hunter2"), "\(error)")
            }
        }
        let url = try StoreURL(parsing: "redis://u:hunter2@host:6379/0?password=hunter2&client_secret=hunter2")
        var dumped = ""
        dump(url, to: &dumped)
        for shown in [url.description, String(describing: url), String(reflecting: url), dumped, "\(url)", "\([url])"] {
            #expect(!shown.contains("hunter2"), "\(shown)")
        }
    }

    @Test func parametersShareOneConvention() throws {
        let url = try StoreURL(parsing: "acme://h/db?Pool-Size=3&pool_size=4&timeout=250ms&ttl=2m&flag=on&mode=Verify-CA&sslmode=x&extra=1")
        var parameters = StoreURLParameters(url, driver: "Acme")
        #expect(try parameters.integer("pool_size", in: 1...10) == 4, "the last of the spellings wins")
        #expect(try parameters.duration("timeout") == .milliseconds(250))
        #expect(try parameters.duration("ttl") == .seconds(120))
        #expect(try parameters.boolean("flag") == true)
        enum Mode: String, CaseIterable { case verifyCA = "verify_ca", disabled }
        #expect(try parameters.choice("mode", as: Mode.self) == .verifyCA)
        #expect(parameters.passThrough(described: "pass-through keywords") { $0 == "sslmode" } == [.init("sslmode", "x")])
        #expect {
            try parameters.finish()
        } throws: { error in
            let message = (error as? IdentityStorageError)?.message ?? ""
            return message.contains("'extra'") && message.contains("Acme takes pool_size, timeout, ttl, flag, mode, pass-through keywords")
        }
        #expect(parameters.string("extra") == "1")
        try parameters.finish()
    }

    @Test(arguments: ["0", "-1", "abc", "1e3", "10x", "inf", "0ms", ""])
    func durationsArePositiveTimes(text: String) throws {
        var parameters = StoreURLParameters(try StoreURL(parsing: "acme:?timeout=\(text)"), driver: "Acme")
        #expect(throws: IdentityStorageError.self) { try parameters.duration("timeout") }
    }

    @Test func durationUnits() {
        #expect(StoreURLParameters.duration("10") == .seconds(10))
        #expect(StoreURLParameters.duration("0.5") == .milliseconds(500))
        #expect(StoreURLParameters.duration("1h") == .seconds(3600))
        #expect(StoreURLParameters.duration("1.5s") == .milliseconds(1500))
    }

    @Test func badValuesNameTheParameterButHideSecrets() throws {
        var parameters = StoreURLParameters(try StoreURL(parsing: "acme://u:hunter2@h?pool_size=0&sslpassword=hunter2"), driver: "Acme")
        #expect {
            try parameters.integer("pool_size", in: 1...10)
        } throws: { error in
            let message = (error as? IdentityStorageError)?.message ?? ""
            return message.contains("pool_size=0") && message.contains("from 1 to 10") && !message.contains("hunter2")
        }
        #expect {
            try parameters.integer("sslpassword", in: 1...10)
        } throws: { error in
            !((error as? IdentityStorageError)?.message.contains("hunter2") ?? true)
        }
    }

    @Test func multiLineMessagesAreFolded() {
        let error = IdentityStorageError(.unavailable, "connection failed: Connection refused\n\tIs the server running?\n",
                                         backendDetail: .init(backend: "x", message: "line one\nline two"))
        #expect(error.message == "connection failed: Connection refused; Is the server running?")
        #expect(error.backendDetail?.message == "line one; line two")
        #expect(!error.description.contains("\n"))
    }
}
