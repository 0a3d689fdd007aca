import Foundation

/// The system threads the adapters start (pool threads, change listeners).
enum SystemThread {
    /// Names the system thread, as profiles and debuggers show it. Foundation's `Thread.name` reaches the system
    /// thread only when the creator has finished `start()`, a race most pool threads lose (they keep their
    /// creator's name, `oot.default-qos`); on Linux the thread writes its own name where the kernel keeps it.
    static func nameCurrent(_ name: String) {
        Thread.current.name = name
        #if os(Linux)
        let descriptor = open("/proc/thread-self/comm", O_WRONLY)
        guard descriptor >= 0 else { return }
        // The kernel keeps 15 bytes.
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        #endif
    }
}
