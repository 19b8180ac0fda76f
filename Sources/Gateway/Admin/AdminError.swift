import ShipshapeCore

/// Why an admin API request was refused.
public enum AdminError: UserFacingError, Equatable {
    /// No such service in the configuration.
    case unknownService(String)
    /// A switch to a color with no healthy target.
    case colorNotHealthy(service: String, color: Color)
    /// A malformed request body or path.
    case badRequest(String)

    /// The HTTP status the admin API answers with.
    var status: Int {
        switch self {
        case .unknownService: 404
        case .colorNotHealthy: 409
        case .badRequest: 400
        }
    }

    public var userMessage: String {
        switch self {
        case .unknownService(let name): "unknown service '\(name)'; check 'services:' in shipshape.yml"
        case .colorNotHealthy(let service, let color):
            "\(service): the \(color.rawValue) color has no healthy target; wait for its health checks to pass "
                + "or use --force to switch anyway"
        case .badRequest(let message): message
        }
    }
}
