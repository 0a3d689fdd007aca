extension Duration {
    /// The duration as `poll`'s timeout: whole milliseconds, rounded up so a wait never ends before its deadline;
    /// 0 for a duration that is zero or past.
    public var pollMilliseconds: Int32 {
        guard self > .zero else { return 0 }
        let (seconds, attoseconds) = components
        return Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
