/// The Deploy module; see docs/design.md for its place in Shipshape.
public enum DeployModule {}
