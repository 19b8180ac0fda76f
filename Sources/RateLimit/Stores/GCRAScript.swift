import Crypto

/// The Lua script that runs one GCRA decision atomically inside Redis, and its SHA-1 for `EVALSHA`.
///
/// Time comes from Redis (`TIME`), so replicas with skewed clocks still agree. Times are microseconds:
/// they stay exact in Lua's doubles (2^53 µs is 285 years).
public enum GCRAScript {
    /// KEYS[1] = the key; ARGV[1] = emission interval µs; ARGV[2] = capacity µs (interval · burst).
    /// Returns {allowed 0|1, TAT − now after the decision µs, retry-after µs}.
    public static let source = """
        if redis.replicate_commands then redis.replicate_commands() end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local interval = tonumber(ARGV[1])
        local capacity = tonumber(ARGV[2])
        local tat = tonumber(redis.call('GET', KEYS[1]))
        if not tat or tat < now then tat = now end
        local new_tat = tat + interval
        local allow_at = new_tat - capacity
        if allow_at > now then
          return {0, tat - now, allow_at - now}
        end
        redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.floor((new_tat - now) / 1000) + 1)
        return {1, new_tat - now, 0}
        """

    /// Lower-case hex SHA-1 of the source, as Redis names cached scripts.
    public static let sha1: String = Insecure.SHA1.hash(data: Array(source.utf8))
        .map { byte in
            let hex = String(byte, radix: 16)
            return byte < hexPadThreshold ? "0" + hex : hex
        }
        .joined()

    /// Bytes below this print as one hex digit and need a leading zero.
    private static let hexPadThreshold: UInt8 = 0x10
    /// Nanoseconds per microsecond (the script's unit).
    static let nanosPerMicro: Int64 = 1_000
}
