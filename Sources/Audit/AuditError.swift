import ShipshapeCore

/// Why audit, harden or secrets could not do their work: what failed, with what input, what to do.
public enum AuditError: UserFacingError {
    /// A file could not be written.
    case cannotWrite(path: String, reason: String)
    /// A file could not be read.
    case cannotRead(path: String, reason: String)
    /// An argument is not allowed.
    case invalidArgument(String)

    /// The one-paragraph explanation.
    public var userMessage: String {
        switch self {
        case .cannotWrite(let path, let reason):
            "cannot write \(path): \(reason). Check the directory exists and is writable."
        case .cannotRead(let path, let reason):
            "cannot read \(path): \(reason). Check the path and its permissions."
        case .invalidArgument(let message):
            "\(message). See `shipshape help` for the accepted values."
        }
    }
}
