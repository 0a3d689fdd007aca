import Foundation
import Synchronization

/// This process's environment as the tests read and change it. `setenv` while another thread copies the environment
/// (to start a process) is undefined behaviour in glibc: the array being read can be reallocated under the reader. The
/// tests that change a variable (the time-zone tests) and every start of a process go through this one lock.
public enum ProcessEnvironment {
    private static let lock = Mutex(())

    /// Every variable, read while no test changes one.
    public static var current: [String: String] {
        lock.withLock { _ in ProcessInfo.processInfo.environment }
    }

    /// Sets `name` to `value` (nil: removes it) and re-reads the time zone, while no process start reads the environment.
    public static func set(_ name: String, _ value: String?) {
        lock.withLock { _ in
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
            tzset()
        }
    }
}
