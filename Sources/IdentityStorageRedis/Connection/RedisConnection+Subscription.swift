import CHiredis
import Glibc
import IdentityStorage
import IdentityStorageBlockingPool

extension RedisConnection {
    /// Sends a command without waiting for its reply (a `PING` in subscribed mode, whose answer comes among the
    /// messages, in order).
    func send(_ arguments: [[UInt8]]) throws(IdentityStorageError) {
        try append(arguments)
        var done: Int32 = 0
        while done == 0 {
            if redisBufferWrite(context, &done) != REDIS_OK { throw connectionFailure("sending a command") }
        }
    }

    /// The next reply or pushed message, waiting up to `timeout` for one to arrive; nil when none did.
    func nextReply(waitingUpTo timeout: Duration) throws(IdentityStorageError) -> RedisReply? {
        if let reply = try bufferedReply() { return reply }
        var item = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&item, 1, timeout.pollMilliseconds)
        if ready < 0, errno != EINTR { throw connectionFailure("waiting for a message") }
        guard ready > 0 else { return nil }
        if redisBufferRead(context) != REDIS_OK { throw connectionFailure("reading a message") }
        return try bufferedReply()
    }

    private func bufferedReply() throws(IdentityStorageError) -> RedisReply? {
        var raw: UnsafeMutableRawPointer?
        if redisGetReplyFromReader(context, &raw) != REDIS_OK { throw connectionFailure("reading a message") }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return RedisReply(raw.assumingMemoryBound(to: redisReply.self))
    }
}
