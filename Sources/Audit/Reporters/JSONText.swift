import ShipshapeCore

/// Writes JSON string literals, so reports keep their documented key order.
enum JSONText {
    /// `value` as a quoted, escaped JSON string.
    static func quote(_ value: String) -> String { JSONLineWriter.quote(value) }
}
