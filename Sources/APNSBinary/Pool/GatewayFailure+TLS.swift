import NIOSSL

extension GatewayFailure {
    /// The certificate problem behind a failed TLS connection to a gateway or feedback service,
    /// or `nil` when the error is not about certificates (refused, reset, timed out…).
    ///
    /// ``Code/clientCertificateRejected`` when the server refused our client certificate (one of
    /// the TLS alerts servers send for that), ``Code/gatewayCertificateUntrusted`` when the
    /// server's certificate did not verify. The message calls the server `peer` and names the TLS
    /// reason, never a file path.
    public static func certificateFailure(from error: any Error, peer: String = "server") -> GatewayFailure? {
        let text = String(describing: error)
        if clientCertificateAlerts.contains(where: text.contains) {
            return GatewayFailure(
                code: .clientCertificateRejected,
                message: "the \(peer) refused the TLS handshake because of the client certificate (\(alertName(in: text))); check the certificate, its CA and its expiry")
        }
        if error is NIOSSLExtraError || text.contains("CERTIFICATE_VERIFY_FAILED") {
            return GatewayFailure(
                code: .gatewayCertificateUntrusted,
                message: "the \(peer)'s certificate did not verify against the trust roots (\(alertName(in: text))); check the CA file and the host name")
        }
        return nil
    }

    /// TLS alerts a server sends when it does not accept the client's certificate.
    private static let clientCertificateAlerts = [
        "TLSV1_ALERT_UNKNOWN_CA", "SSLV3_ALERT_BAD_CERTIFICATE", "TLSV1_ALERT_CERTIFICATE_REQUIRED",
        "SSLV3_ALERT_CERTIFICATE_EXPIRED", "SSLV3_ALERT_CERTIFICATE_REVOKED", "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE", "TLSV1_ALERT_ACCESS_DENIED",
        // The server could not verify our CertificateVerify signature (key and certificate disagree,
        // or it does not accept the chain).
        "TLSV1_ALERT_DECRYPT_ERROR",
    ]

    /// The BoringSSL reason code in an error description (without file paths).
    private static func alertName(in text: String) -> String {
        let reasons = clientCertificateAlerts + ["CERTIFICATE_VERIFY_FAILED", "failedToValidateHostname"]
        return reasons.first(where: text.contains) ?? "TLS error"
    }
}
