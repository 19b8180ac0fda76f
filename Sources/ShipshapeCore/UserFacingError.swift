/// An error the CLI prints as one paragraph: what failed, with what input, and what to do about it.
public protocol UserFacingError: Error, CustomStringConvertible {
    /// A one-paragraph explanation ending with what the user should do next.
    var userMessage: String { get }
}

extension UserFacingError {
    public var description: String { userMessage }
}
