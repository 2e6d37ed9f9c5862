import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// A throwaway certificate authority that issues gateway (server) and provider (client)
/// certificates for the mock gateway, tests and the demo. Never use it for anything real.
public struct CertificateAuthority: Sendable {
    public let certificate: Certificate
    let privateKey: Certificate.PrivateKey

    /// Creates a self-signed CA with a fresh P-256 key.
    public init(
        commonName: String = "pushworker mock gateway CA",
        validity: CertificateValidity = .days(3650)
    ) throws {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let name = try DistinguishedName {
            CommonName(commonName)
            OrganizationName("pushworker test PKI")
        }
        self.privateKey = key
        self.certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: key.publicKey,
            notValidBefore: validity.notBefore,
            notValidAfter: validity.notAfter,
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: key
        )
    }

    /// Issues a TLS server certificate (P-256, `serverAuth`) naming `dnsNames` and `ipAddresses`
    /// (dotted IPv4 or `::1`) as subject alternative names.
    public func issueServerIdentity(
        commonName: String = "localhost",
        dnsNames: [String] = ["localhost"],
        ipAddresses: [String] = ["127.0.0.1", "::1"],
        validity: CertificateValidity = .days(825)
    ) throws -> IssuedIdentity {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        var names: [GeneralName] = dnsNames.map { .dnsName($0) }
        for address in ipAddresses {
            names.append(.ipAddress(ASN1OctetString(contentBytes: try Self.addressBytes(address)[...])))
        }
        let alternativeNames = SubjectAlternativeNames(names)
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth])
            alternativeNames
        }
        return try issue(
            subject: try DistinguishedName { CommonName(commonName) },
            key: key,
            validity: validity,
            extensions: extensions
        )
    }

    /// The key type of a client certificate.
    public enum ClientKeyAlgorithm: Sendable, Hashable {
        /// What Apple issues for provider certificates.
        case rsa2048
        /// For comparisons only (e.g. what the TLS handshake costs without an RSA signature).
        case p256
    }

    /// Issues a provider (client) certificate shaped like Apple's: RSA 2048 (unless `key` says
    /// otherwise), `clientAuth`, and a subject common name `Apple Push Services: <topic>`.
    public func issueClientIdentity(
        topic: String,
        validity: CertificateValidity = .days(365),
        key algorithm: ClientKeyAlgorithm = .rsa2048
    ) throws -> IssuedIdentity {
        let key = switch algorithm {
        case .rsa2048: Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        case .p256: Certificate.PrivateKey(P256.Signing.PrivateKey())
        }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
            try ExtendedKeyUsage([.clientAuth])
        }
        return try issue(
            subject: try DistinguishedName {
                CommonName("Apple Push Services: \(topic)")
                OrganizationalUnitName("MOCKTEAM01")
                CountryName("US")
            },
            key: key,
            validity: validity,
            extensions: extensions
        )
    }

    private func issue(
        subject: DistinguishedName,
        key: Certificate.PrivateKey,
        validity: CertificateValidity,
        extensions: Certificate.Extensions
    ) throws -> IssuedIdentity {
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: key.publicKey,
            notValidBefore: validity.notBefore,
            notValidAfter: validity.notAfter,
            issuer: self.certificate.subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: privateKey
        )
        return IssuedIdentity(certificate: certificate, privateKey: key, issuer: self.certificate)
    }

    private static func addressBytes(_ address: String) throws -> [UInt8] {
        if address == "::1" {
            return Array(repeating: 0, count: 15) + [1]
        }
        let parts = address.split(separator: ".").compactMap { UInt8($0) }
        guard parts.count == 4 else {
            throw MockGatewayError(message: "cannot put \(address) in a certificate: use dotted IPv4 or ::1")
        }
        return parts
    }
}
