/// The continuous-state leaky bucket (ITU-T I.371): a bucket that drains one unit per nanosecond and
/// fills by one emission interval per accepted request, holding at most `capacity`.
struct LeakyBucketModel {
    let interval: Int64
    let capacity: Int64
    var level: Int64 = 0
    var lastConformance: Int64?

    mutating func arrive(at now: Int64) -> (allowed: Bool, remaining: Int, resetAfter: Int64, retryAfter: Int64) {
        let drained = max(level - (now - (lastConformance ?? now)), 0)
        if drained + interval > capacity {
            return (false, Int((capacity - drained) / interval), drained, drained + interval - capacity)
        }
        level = drained + interval
        lastConformance = now
        return (true, Int((capacity - level) / interval), level, 0)
    }
}
