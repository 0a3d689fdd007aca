public import Configuration
import Foundation
public import IdentityStorage

extension DeploymentSettings {
    /// The settings from the environment and, below it, the deployment file at `file` (when given): the usual
    /// precedence of swift-configuration's providers, the first that has a key wins.
    /// - Throws: `IdentityStorageError` `invalidArgument` for a file that cannot be read or parsed (its message
    ///   with credentials redacted) and for invalid values, as ``init(configReader:scope:)``.
    public static func read(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                            scope: ConfigKey = DeploymentConfigKey.defaultScope) async throws(IdentityStorageError) -> DeploymentSettings {
        var providers: [any ConfigProvider] = [environmentProvider(environment)]
        if let file { providers.append(try await fileProvider(path: file)) }
        return try DeploymentSettings(configReader: ConfigReader(providers: providers), scope: scope)
    }

    /// A provider over `environment` without its empty variables, holding every variable that may carry credentials
    /// as a secret, so the provider's debug description shows `<REDACTED>` for it.
    public static func environmentProvider(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> EnvironmentVariablesProvider {
        // An empty variable is unset, as `IDSTORE_*` ones are: left in, it would hide the file's value below it.
        EnvironmentVariablesProvider(environmentVariables: environment.filter { !$0.value.isEmpty }, secretsSpecifier: .dynamic { key, value in
            mayCarryCredentials(key: key, value: value)
        })
    }

    /// A provider over the deployment file at `path`: JSON for `.json`, YAML for `.yaml` and `.yml`; every value that
    /// may carry credentials (the store URLs among them) held as a secret.
    /// - Throws: `IdentityStorageError` `invalidArgument` for another extension, a file that cannot be read, or
    ///   one that does not parse (the parser's message with credentials redacted).
    public static func fileProvider(path: String) async throws(IdentityStorageError) -> any ConfigProvider {
        do {
            switch (path as NSString).pathExtension.lowercased() {
            case "json":
                return try await FileProvider<JSONSnapshot>(parsingOptions: .init(secretsSpecifier: .dynamic { key, value in
                    mayCarryCredentials(key: key, value: value as? String ?? "")
                }), filePath: .init(path))
            case "yaml", "yml":
                // YAML's specifier sees keys only: a key that names a store or URL is a secret.
                return try await FileProvider<YAMLSnapshot>(parsingOptions: .init(secretsSpecifier: .dynamic { key, _ in
                    mayCarryCredentials(key: key, value: "")
                }), filePath: .init(path))
            default:
                throw IdentityStorageError.invalidArgument(
                    "configuration file '\(path)' has neither a .json nor a .yaml (.yml) extension; name it after its format")
            }
        } catch let error as IdentityStorageError {
            throw error
        } catch {
            throw .invalidArgument("configuration file '\(path)' cannot be read: \(redactingCredentials(in: String(describing: error)))")
        }
    }

    /// Whether a value may hold a password: its key names a store or a URL (`keyStore`, `IDENTITYSTORAGE_STORE`,
    /// `IDSTORE_URL`, `database.url`), or it is a URL with a password.
    static func mayCarryCredentials(key: String, value: String) -> Bool {
        let name = key.lowercased().filter { $0.isLetter || $0.isNumber }
        return name.hasSuffix("store") || name.hasSuffix("url") || StoreURL.redacting(value) != value
    }

    /// `text` (a parser's message, which may quote the offending line) with every `user:password@` of a URL and every
    /// password-like `name=value` replaced by `***`.
    static func redactingCredentials(in text: String) -> String {
        text.replacing(/(?<prefix>[A-Za-z][A-Za-z0-9+.\-]*:\/\/[^:\/@\s]*:)[^@\s]*@/) { "\($0.output.prefix)***@" }
            .replacing(/(?<name>[A-Za-z_]*(?i:password|secret|pass|pwd)[A-Za-z_]*=)[^&\s"']*/) { "\($0.output.name)***" }
    }
}
