import IdentityStorage

/// Redis ACL refusals as `IdentityStorageError.Code.permissionDenied`, with the grant that allows the call.
///
/// A refused command answers `NOPERM …`. A command a script runs is refused inside the script, and Redis 7.0
/// reports it as `ERR The user executing the script can't … script: <sha>, on @user_script:N.` (later versions say
/// `NOPERM` there too): without this, that text would read as the script failing on a stored value, `corruptedData`.
extension RedisErrors {
    /// What the ACL refused.
    enum Refusal: Equatable {
        case channel
        case key
        /// A command (lower-case, `cluster|slots` for a subcommand) when Redis names it; nil inside a script.
        case command(String?)
        case credentials
    }

    /// The refusal an error reply reports, if it is one.
    static func refusal(_ message: String) -> Refusal? {
        let code = message.prefix { $0 != " " }
        if code == "WRONGPASS" || code == "NOAUTH" { return .credentials }
        let lower = message.lowercased()
        guard code == "NOPERM" || message.contains("NOPERM") || lower.contains("the user executing the script")
            || lower.contains("no permissions to") else { return nil }
        if let open = message.range(of: "run the '"), let close = message[open.upperBound...].firstIndex(of: "'") {
            return .command(String(message[open.upperBound..<close]).lowercased())
        }
        if lower.contains("channel") { return .channel }
        if lower.contains("key") { return .key }
        return .command(nil)
    }

    /// The `permissionDenied` error for a refused `command` (nil when unknown) of ACL user `user` (nil: `default`),
    /// or nil when `message` is not a refusal. The key prefix is `keyPrefix`, else the one of the command's first key.
    static func permissionDenied(_ message: String, context: String, command: RedisCommand?, user: String?,
                                 keyPrefix: String? = nil) -> IdentityStorageError? {
        guard let refusal = refusal(message) else { return nil }
        let name = user ?? "default"
        let prefix = keyPrefix ?? command.flatMap(Self.keyPrefix(of:))
        let text: String
        switch refusal {
        case .credentials:
            return credentialsRefused(message, context: context, user: user)
        case .channel:
            let pattern = prefix.map { "&\($0)*" } ?? "&<key prefix>*"
            let channel = prefix.map { " '\(RedisConfigurationListener.channel(prefix: $0))'" } ?? ""
            text = "the Redis ACL user '\(name)' may not use the configuration channel\(channel) (configuration writes publish on it): "
                + "grant the channel pattern with ACL SETUSER \(name) \(pattern)"
        case .key:
            let pattern = prefix.map { "~\($0)*" } ?? "~<key prefix>*"
            text = "the Redis ACL user '\(name)' may not use the keys under its key prefix\(prefix.map { " '\($0)'" } ?? ""): "
                + "grant the key pattern with ACL SETUSER \(name) \(pattern) (a %R~ pattern allows reading only)"
        case .command(let named?):
            text = "the Redis ACL user '\(name)' may not run \(named.uppercased()): grant it with ACL SETUSER \(name) +\(named)"
        case .command(nil):
            let commands = command?.script?.commands ?? []
            let which = command?.script.map { "a command of the store's script '\($0.name)' (one of \(commands.joined(separator: ", ")))" } ?? "a command the store runs"
            let grants = commands.isEmpty ? "+@all -@dangerous" : commands.map { "+" + $0.lowercased() }.joined(separator: " ")
            text = "the Redis ACL user '\(name)' may not run \(which): grant \(commands.count == 1 ? "it" : "them") with ACL SETUSER \(name) \(grants)"
        }
        return IdentityStorageError(.permissionDenied, "\(context): \(text)", backendDetail: detail(message))
    }

    /// The `permissionDenied` error for an `AUTH` the server refused (`WRONGPASS`, or `ERR` when the user has no password).
    static func credentialsRefused(_ message: String, context: String, user: String?) -> IdentityStorageError {
        let name = user ?? "default"
        return IdentityStorageError(.permissionDenied, "\(context): Redis refused user '\(name)': its password is wrong, or the user does not exist, "
                                    + "is off or has no password (ACL SETUSER \(name) on >password)", backendDetail: detail(message))
    }

    /// The key prefix of the command's first key: the bytes before its hash tag, as the scripts derive the channel.
    private static func keyPrefix(of command: RedisCommand) -> String? {
        let isScript = command.script != nil || command.arguments.first.map { ["EVAL", "EVALSHA"].contains(String(decoding: $0, as: UTF8.self).uppercased()) } == true
        let index = isScript ? 3 : 1
        guard command.arguments.count > index, let brace = command.arguments[index].firstIndex(of: UInt8(ascii: "{")) else { return nil }
        return String(decoding: command.arguments[index][..<brace], as: UTF8.self)
    }
}

extension RedisScript {
    /// The commands the script runs (`redis.call('HSET', …)`), upper-case, sorted: what its ACL user needs.
    static func calledCommands(in source: String) -> [String] {
        var found = Set<String>()
        var rest = Substring(source)
        while let call = rest.range(of: "call('") {
            let name = rest[call.upperBound...].prefix { $0 != "'" }
            if !name.isEmpty { found.insert(name.uppercased()) }
            rest = rest[call.upperBound...]
        }
        return found.sorted()
    }
}
