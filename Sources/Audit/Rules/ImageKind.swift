import Compose

/// What a service is, judged from its image name, so rules and harden know databases from gateways.
public enum ImageKind: Sendable {
    /// A database or other stateful store.
    case database
    /// A cache or broker.
    case cache
    /// A reverse proxy that is meant to face the internet.
    case gateway
    /// Anything else: the application.
    case application

    /// Image names of databases.
    static let databases: Set<String> = [
        "postgres", "postgis", "mysql", "mariadb", "mongo", "mongodb", "cassandra", "couchdb", "influxdb",
        "clickhouse-server", "neo4j", "elasticsearch", "opensearch", "cockroach", "timescaledb", "mssql-server",
    ]
    /// Image names of caches and brokers.
    static let caches: Set<String> = [
        "redis", "valkey", "keydb", "memcached", "rabbitmq", "nats", "kafka", "zookeeper", "etcd", "dragonfly",
    ]
    /// Image names of reverse proxies.
    static let gateways: Set<String> = ["nginx", "traefik", "caddy", "haproxy", "envoy", "shipshape", "httpd", "nginx-unprivileged"]

    /// The kind of `service`.
    public static func of(_ service: ComposeService) -> ImageKind {
        let name = service.imageName
        if databases.contains(name) { return .database }
        if caches.contains(name) { return .cache }
        if gateways.contains(name) { return .gateway }
        return .application
    }

    /// True for databases and caches: they should never face the network directly.
    public var isDataStore: Bool { self == .database || self == .cache }
}
