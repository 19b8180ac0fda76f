/// The version of this Shipshape build, printed by `shipshape --version` and recorded in backup manifests.
public enum ShipshapeVersion {
    /// The semantic version of this release.
    public static let current = "0.1.0"
}
