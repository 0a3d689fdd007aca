import IdentityStorage

extension StoreURL {
    /// The URL written back with its password, for handing a test server's URL on to the tool (never printed).
    public var withPassword: String {
        var text = "\(scheme)://"
        if let user { text += user + (password.map { ":\($0)" } ?? "") + "@" }
        return text + hosts.map(\.description).joined(separator: ",") + path
    }
}
