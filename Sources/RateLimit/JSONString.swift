import ShipshapeCore

/// JSON string quoting for the rejection body (policy names come from the operator's config).
enum JSONString {
    /// `text` as a JSON string literal.
    static func quote(_ text: String) -> String { JSONLineWriter.quote(text) }
}
