/// Part names become file names in the store (`NAME.age`) and in a restore's directory, so each must be one
/// plain path component whatever the database or service it comes from.
enum PartName {
    /// `prefix-value` with every `/`, `\`, `%` and control character of `value` written as `%XX` (its UTF-8
    /// bytes), so `postgres-x/../../tmp` becomes `postgres-x%2F..%2F..%2Ftmp`: reversible, and readable for
    /// ordinary names, which are left as they are. The manifest keeps the real name (`database`).
    static func make(_ prefix: String, _ value: String) -> String {
        var encoded = ""
        for scalar in value.unicodeScalars {
            if scalar == "/" || scalar == "\\" || scalar == "%" || scalar.value < 0x20 || scalar.value == 0x7F {
                for byte in String(scalar).utf8 { encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2) }
            } else {
                encoded.unicodeScalars.append(scalar)
            }
        }
        return "\(prefix)-\(encoded)"
    }

    /// Whether `name` is safe to use as a file name inside a folder: one component, not `.` or `..`, no NUL.
    static func isSafeComponent(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\\")
            && !name.unicodeScalars.contains { $0.value == 0 }
    }

    /// Throws unless every part's name and file of `manifest` are safe single components: a hand-edited or
    /// forged manifest must not make verify read, or restore write, outside the backup's or `--to`'s folder.
    static func checkParts(of manifest: BackupManifest) throws(BackupError) {
        for part in manifest.parts where !isSafeComponent(part.name) || !isSafeComponent(part.file) {
            let bad = isSafeComponent(part.name) ? part.file : part.name
            throw BackupError(
                .verification, "The manifest of backup '\(manifest.id)' names a part '\(bad)' that is not a plain file name",
                hint: "The manifest was modified or damaged and is not used; restore from another backup.")
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
