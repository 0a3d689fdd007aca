import Foundation

/// Runs `arguments` (the first one a path) with posix_spawn and waits for it with waitpid; returns its exit status, or
/// -1 when it could not start or did not exit normally.
///
/// Not Foundation's `Process`: its exit monitoring once missed a child's exit under the test runner and waited for
/// ever on a zombie. No pipe either: a daemon the command starts (a database server restarted by a fault test)
/// inherits the descriptors and would hold a pipe open for ever. Standard input is /dev/null; with `output`, standard
/// output and error go to that file, otherwise to the test runner's. Blocks: call it through
/// ``offTheCooperativePool(_:)`` from a task.
public func spawnAndWait(_ arguments: [String], environment: [String: String] = [:], output: String? = nil) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    if let output {
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
    }
    let variables = ProcessEnvironment.current.merging(environment) { $1 }
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        argv.forEach { free($0) }
        envp.forEach { free($0) }
    }
    var pid: pid_t = 0
    guard posix_spawn(&pid, arguments[0], &actions, nil, argv, envp) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
        if errno != EINTR { return -1 }
    }
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
}
