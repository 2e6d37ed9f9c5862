import Foundation
import NIOSSL
import X509

extension ClientIdentity {
    /// Loads and checks an identity. Never prompts: an encrypted key or bundle without a
    /// passphrase is `CredentialError.Code.passphraseRequired`.
    ///
    /// - Throws: `CredentialError` naming the file: missing or unreadable file, wrong or missing
    ///   passphrase, not a PKCS#12 bundle / certificate / key, key not matching the certificate,
    ///   certificate expired or not yet valid at `now`.
    public static func load(from source: ClientCredentialSource, now: Date = Date()) throws -> ClientIdentity {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        let keyFile: String
        switch source {
        case .pkcs12(let file, let passphrase):
            (chain, key) = try loadPKCS12(file: file, passphrase: passphrase)
            keyFile = file
        case .pem(let certificateFile, let file, let passphrase):
            chain = try loadCertificates(file: certificateFile, role: "certificate")
            key = try loadPEMKey(file: file, passphrase: passphrase)
            keyFile = file
        }
        let file = source.primaryFile
        let leaf: Certificate
        do {
            leaf = try Certificate(derEncoded: chain[0].toDERBytes())
        } catch {
            throw CredentialError(.notACertificate, file: file, message: "the certificate in \(file) cannot be parsed as X.509")
        }
        let subject = leaf.subject.description
        if let keyPublicKey = publicKey(of: key), keyPublicKey != leaf.publicKey {
            throw CredentialError(
                .keyDoesNotMatchCertificate, file: keyFile,
                message: "the private key in \(keyFile) does not belong to the certificate in \(file) (\(subject))")
        }
        if now > leaf.notValidAfter {
            throw CredentialError(
                .certificateExpired, file: file,
                message: "the certificate in \(file) (\(subject)) expired on \(leaf.notValidAfter.formatted(.iso8601)); export a renewed one")
        }
        if now < leaf.notValidBefore {
            throw CredentialError(
                .certificateNotYetValid, file: file,
                message: "the certificate in \(file) (\(subject)) is not valid before \(leaf.notValidBefore.formatted(.iso8601)); check the clock or the certificate")
        }
        return ClientIdentity(
            certificateChain: chain,
            privateKey: key,
            subject: subject,
            notValidBefore: leaf.notValidBefore,
            notValidAfter: leaf.notValidAfter,
            file: file
        )
    }

    private static func loadPKCS12(file: String, passphrase: Passphrase?) throws -> ([NIOSSLCertificate], NIOSSLPrivateKey) {
        let bytes = try CredentialFile.read(file, role: "PKCS#12 bundle")
        do {
            let bundle = try NIOSSLPKCS12Bundle(buffer: bytes, passphrase: passphrase?.bytes ?? [])
            guard !bundle.certificateChain.isEmpty else {
                throw CredentialError(.notACertificate, file: file, message: "the PKCS#12 bundle \(file) holds no certificate")
            }
            return (bundle.certificateChain, bundle.privateKey)
        } catch let error as CredentialError {
            throw error
        } catch {
            // BoringSSL reports a failed MAC/decryption as INCORRECT_PASSWORD; anything else means
            // the bytes are not a bundle it understands. Only the reason is inspected, never shown.
            let reason = String(describing: error)
            if reason.contains("INCORRECT_PASSWORD") || reason.contains("BAD_DECRYPT") {
                if passphrase == nil {
                    throw CredentialError(
                        .passphraseRequired, file: file,
                        message: "the PKCS#12 bundle \(file) is protected by a passphrase, and none was given")
                }
                throw CredentialError(.wrongPassphrase, file: file, message: "the passphrase does not open the PKCS#12 bundle \(file)")
            }
            throw CredentialError(.notPKCS12, file: file, message: "\(file) is not a PKCS#12 (.p12) bundle")
        }
    }

    static func loadCertificates(file: String, role: String) throws -> [NIOSSLCertificate] {
        let bytes = try CredentialFile.read(file, role: role)
        let certificates = (try? NIOSSLCertificate.fromPEMBytes(bytes)) ?? []
        guard !certificates.isEmpty else {
            throw CredentialError(.notACertificate, file: file, message: "the \(role) file \(file) holds no PEM certificate")
        }
        return certificates
    }

    private static func loadPEMKey(file: String, passphrase: Passphrase?) throws -> NIOSSLPrivateKey {
        let bytes = try CredentialFile.read(file, role: "private key")
        // "BEGIN ENCRYPTED PRIVATE KEY" (PKCS#8) or "Proc-Type: 4,ENCRYPTED" (traditional).
        let encrypted = String(decoding: bytes, as: UTF8.self).contains("ENCRYPTED")
        if encrypted, passphrase == nil {
            throw CredentialError(
                .passphraseRequired, file: file, message: "the private key \(file) is encrypted, and no passphrase was given")
        }
        let secret = passphrase?.bytes ?? []
        do {
            // Always with a callback: without one BoringSSL would prompt on stdin.
            return try NIOSSLPrivateKey(bytes: bytes, format: .pem) { setPassphrase in
                setPassphrase(secret)
            }
        } catch {
            if encrypted {
                throw CredentialError(.wrongPassphrase, file: file, message: "the passphrase does not decrypt the private key \(file)")
            }
            throw CredentialError(.notAPrivateKey, file: file, message: "the private key file \(file) holds no PEM private key")
        }
    }

    /// The public half of `key`, read through swift-certificates (which understands the
    /// traditional DER NIOSSL exports for RSA and EC keys); `nil` for other key types, which
    /// then rely on the TLS library's own check.
    private static func publicKey(of key: NIOSSLPrivateKey) -> Certificate.PublicKey? {
        guard let der = try? key.derBytes else { return nil }
        let body = Data(der).base64EncodedString(options: .lineLength64Characters)
        for label in ["RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY"] {
            let pem = "-----BEGIN \(label)-----\n\(body)\n-----END \(label)-----\n"
            if let parsed = try? Certificate.PrivateKey(pemEncoded: pem) {
                return parsed.publicKey
            }
        }
        return nil
    }
}
