import Foundation

/// The URLs of the project's test servers: `IDSTORE_TEST_*_URL` (what `Scripts/services.sh env` prints and `.ci/run`
/// exports), else the defaults that script starts them on.
public enum TestServerURL {
    public static var postgres: String { url("IDSTORE_TEST_POSTGRES_URL", "postgres://idstore:idstore@127.0.0.1:25432/idstore") }
    public static var mariadb: String { url("IDSTORE_TEST_MARIADB_URL", "mariadb://idstore:idstore@127.0.0.1:23306/idstore") }
    public static var redis: String { url("IDSTORE_TEST_REDIS_URL", "redis://127.0.0.1:26379/0") }
    public static var redisCluster: String {
        url("IDSTORE_TEST_REDIS_CLUSTER_URL",
            "redis-cluster://127.0.0.1:17001,127.0.0.1:17002,127.0.0.1:17003,127.0.0.1:17004,127.0.0.1:17005,127.0.0.1:17006")
    }

    /// The least-privileged accounts `Scripts/services.sh` creates (`IDSTORE_TEST_*_APP_URL`).
    public static var postgresApp: String { url("IDSTORE_TEST_POSTGRES_APP_URL", "postgres://idstore_app:idstore_app@127.0.0.1:25432/idstore_app") }
    public static var mariadbApp: String { url("IDSTORE_TEST_MARIADB_APP_URL", "mariadb://idstore_app:idstore_app@127.0.0.1:23306/idstore_app") }
    public static var redisApp: String { url("IDSTORE_TEST_REDIS_APP_URL", "redis://idstore_app:idstore_app@127.0.0.1:26379/0?key_prefix=idstore-app:") }
    public static var redisClusterApp: String {
        url("IDSTORE_TEST_REDIS_CLUSTER_APP_URL",
            "redis-cluster://idstore_app:idstore_app@127.0.0.1:17001,127.0.0.1:17002,127.0.0.1:17003?key_prefix=idstore-app:")
    }

    private static func url(_ variable: String, _ fallback: String) -> String {
        ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
    }
}
