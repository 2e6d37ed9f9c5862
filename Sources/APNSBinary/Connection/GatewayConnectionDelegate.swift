/// Receives what a ``GatewayConnectionHandler`` learns. Called on the connection's event loop.
protocol GatewayConnectionDelegate: AnyObject {
    /// TLS is up; the connection takes notifications.
    func connectionBecameReady(_ connection: GatewayConnectionHandler)
    /// The connection can take notifications again after its socket buffer filled up.
    func connectionBecameWritable(_ connection: GatewayConnectionHandler)
    /// The window settled. `notifications[id - 1]` is the notification written under `id`.
    func connection(
        _ connection: GatewayConnectionHandler, settled settlement: InFlightWindow.Settlement,
        notifications: [PendingNotification])
    /// The channel closed; `error` is the first error seen on it, if any.
    func connectionClosed(_ connection: GatewayConnectionHandler, error: (any Error)?)
}
