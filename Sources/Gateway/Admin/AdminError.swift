import ShipshapeCore

/// Why an admin API request was refused.
public enum AdminError: UserFacingError, Equatable {
    /// No such service in the configuration.
    case unknownService(String)
    /// A switch to a color with no healthy target.
    case colorNotHealthy(service: String, color: Color)
    /// A switch to a color (without health checks) that has no targets.
    case colorHasNoTargets(service: String, color: Color)
    /// A switch to a color (without health checks) one of whose targets did not accept a TCP connection.
    case targetRefused(service: String, color: Color, target: String, reason: String)
    /// Emptying the color that takes the traffic.
    case wouldEmptyActiveColor(service: String, color: Color)
    /// A malformed request body or path.
    case badRequest(String)

    /// The HTTP status the admin API answers with.
    var status: Int {
        switch self {
        case .unknownService: 404
        case .colorNotHealthy, .colorHasNoTargets, .targetRefused, .wouldEmptyActiveColor: 409
        case .badRequest: 400
        }
    }

    public var userMessage: String {
        switch self {
        case .unknownService(let name): "unknown service '\(name)'; check 'services:' in shipshape.yml"
        case .colorNotHealthy(let service, let color):
            "\(service): the \(color.rawValue) color has no healthy target; wait for its health checks to pass "
                + "or use --force to switch anyway"
        case .colorHasNoTargets(let service, let color):
            "\(service): the \(color.rawValue) color has no targets; register them first "
                + "(PUT /v1/services/\(service)/targets/\(color.rawValue)) or use --force to switch anyway"
        case .targetRefused(let service, let color, let target, let reason):
            "\(service): the \(color.rawValue) target \(target) refused a connection (\(reason)); start it, or use "
                + "--force to switch anyway"
        case .wouldEmptyActiveColor(let service, let color):
            "\(service): \(color.rawValue) is the active color; removing its targets would leave no target for "
                + "its traffic; switch to the other color first, or send \"force\": true"
        case .badRequest(let message): message
        }
    }
}
