/// The gateway module.
public enum GatewayModule {}
