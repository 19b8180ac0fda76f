import Foundation

/// The shape of a backup's id, `<YYYYMMDDTHHMMSSZ>-<6 lowercase hex>` (`20261124T090612Z-21256d`).
///
/// Only folders whose name has this shape are ever treated as backups: a store's project folder may hold other
/// things (a `.git`, someone's `uploads/`), which listing, cleaning up and pruning must leave alone. An id a
/// user types is checked against it too, so it can never name a path outside the project's folder.
public enum BackupID {
    /// Characters of the random suffix.
    static let suffixLength = 6

    /// Whether `text` has the shape of an id `BackupRunner` makes.
    public static func isValid(_ text: some StringProtocol) -> Bool {
        let bytes = Array(text.utf8)
        // 8 digits, T, 6 digits, Z, -, 6 hex digits.
        guard bytes.count == 8 + 1 + 6 + 1 + 1 + suffixLength else { return false }
        func digits(_ range: Range<Int>) -> Bool { bytes[range].allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }
        let hex = bytes[17...].allSatisfy {
            ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
        }
        return digits(0..<8) && bytes[8] == UInt8(ascii: "T") && digits(9..<15) && bytes[15] == UInt8(ascii: "Z")
            && bytes[16] == UInt8(ascii: "-") && hex
    }

    /// Throws a clear error unless `text` is a well-formed id.
    public static func validate(_ text: String) throws(BackupError) {
        guard isValid(text) else {
            throw BackupError(
                .notFound, "'\(text)' is not a backup id (ids look like 20261124T090612Z-21256d)",
                hint: "Run `shipshape backup list` for the ids of complete backups.")
        }
    }
}
