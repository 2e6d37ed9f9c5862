import APNSBinary
import Foundation
import Testing

@Suite struct ClientIdentityLoadingTests {
    let fixtures: CredentialFixtures
    let passphrase = Passphrase(CredentialFixtures.passphrase)

    init() throws {
        fixtures = try CredentialFixtures.get()
    }

    @Test(arguments: ["client.p12", "openssl3.p12", "legacy.p12"])
    func loadsEveryPKCS12Flavour(_ name: String) throws {
        let file = fixtures.directory + "/" + name
        let identity = try ClientIdentity.load(from: .pkcs12(file: file, passphrase: passphrase))
        #expect(identity.subject.contains("Apple Push Services: com.example.pushworker"))
        #expect(identity.file == file)
        let pem = try ClientIdentity.load(
            from: .pem(certificateFile: fixtures.files.clientCertificate, keyFile: fixtures.files.clientKey, keyPassphrase: nil))
        #expect(identity.privateKey == pem.privateKey)
        #expect(identity.certificateChain.first == pem.certificateChain.first)
    }

    @Test(arguments: ["client-key.pkcs8.enc.pem", "client-key.traditional.enc.pem"])
    func loadsEncryptedPEMKeysInBothFormats(_ name: String) throws {
        let keyFile = fixtures.directory + "/" + name
        let encrypted = try ClientIdentity.load(
            from: .pem(certificateFile: fixtures.files.clientCertificate, keyFile: keyFile, keyPassphrase: passphrase))
        let plain = try ClientIdentity.load(
            from: .pem(certificateFile: fixtures.files.clientCertificate, keyFile: fixtures.files.clientKey, keyPassphrase: nil))
        #expect(encrypted.privateKey == plain.privateKey)
    }

    @Test(arguments: ["client.p12", "openssl3.p12", "legacy.p12"])
    func wrongPKCS12PassphraseIsNamedAndNeverShown(_ name: String) throws {
        let file = fixtures.directory + "/" + name
        let error = credentialError {
            _ = try ClientIdentity.load(from: .pkcs12(file: file, passphrase: Passphrase("not-the-Passphrase")))
        }
        #expect(error?.code == .wrongPassphrase)
        #expect(error?.file == file)
        #expect(error?.message.contains(file) == true)
        #expect(error?.message.contains("not-the-Passphrase") == false)
    }

    @Test func pkcs12WithoutPassphraseAsksForOneInsteadOfPrompting() {
        let error = credentialError {
            _ = try ClientIdentity.load(from: .pkcs12(file: fixtures.files.clientPKCS12, passphrase: nil))
        }
        #expect(error?.code == .passphraseRequired)
        #expect(error?.file == fixtures.files.clientPKCS12)
    }

    @Test(arguments: ["client-key.pkcs8.enc.pem", "client-key.traditional.enc.pem"])
    func encryptedKeyWithWrongOrMissingPassphrase(_ name: String) {
        let keyFile = fixtures.directory + "/" + name
        let wrong = credentialError {
            _ = try ClientIdentity.load(
                from: .pem(certificateFile: fixtures.files.clientCertificate, keyFile: keyFile, keyPassphrase: Passphrase("wrong-one")))
        }
        #expect(wrong?.code == .wrongPassphrase)
        #expect(wrong?.file == keyFile)
        #expect(wrong?.message.contains("wrong-one") == false)
        let missing = credentialError {
            _ = try ClientIdentity.load(
                from: .pem(certificateFile: fixtures.files.clientCertificate, keyFile: keyFile, keyPassphrase: nil))
        }
        #expect(missing?.code == .passphraseRequired)
        #expect(missing?.file == keyFile)
    }

    @Test func missingAndUnreadableFilesAreNamed() {
        let missing = fixtures.directory + "/nowhere.p12"
        let notFound = credentialError { _ = try ClientIdentity.load(from: .pkcs12(file: missing, passphrase: passphrase)) }
        #expect(notFound?.code == .fileNotFound)
        #expect(notFound?.message.contains(missing) == true)

        let missingKey = fixtures.directory + "/nowhere-key.pem"
        let keyNotFound = credentialError {
            _ = try ClientIdentity.load(
                from: .pem(certificateFile: fixtures.files.clientCertificate, keyFile: missingKey, keyPassphrase: nil))
        }
        #expect(keyNotFound?.code == .fileNotFound)
        #expect(keyNotFound?.file == missingKey)

        let directory = credentialError { _ = try ClientIdentity.load(from: .pkcs12(file: fixtures.directory, passphrase: passphrase)) }
        #expect(directory?.code == .fileUnreadable)
        #expect(directory?.file == fixtures.directory)
    }

    @Test func filesOfTheWrongKindAreNamed() {
        let notBundle = credentialError {
            _ = try ClientIdentity.load(from: .pkcs12(file: fixtures.files.clientCertificate, passphrase: passphrase))
        }
        #expect(notBundle?.code == .notPKCS12)
        #expect(notBundle?.file == fixtures.files.clientCertificate)

        let notCertificate = credentialError {
            _ = try ClientIdentity.load(
                from: .pem(certificateFile: fixtures.files.clientKey, keyFile: fixtures.files.clientKey, keyPassphrase: nil))
        }
        #expect(notCertificate?.code == .notACertificate)
        #expect(notCertificate?.file == fixtures.files.clientKey)

        let notKey = credentialError {
            _ = try ClientIdentity.load(
                from: .pem(certificateFile: fixtures.files.clientCertificate, keyFile: fixtures.files.clientCertificate, keyPassphrase: nil))
        }
        #expect(notKey?.code == .notAPrivateKey)
        #expect(notKey?.file == fixtures.files.clientCertificate)
    }

    @Test func keyOfAnotherCertificateIsRefused() throws {
        let other = try fixtures.writeClient(validity: .days(365), name: "other-app")
        for keyFile in [other.key, fixtures.files.serverKey] {
            let error = credentialError {
                _ = try ClientIdentity.load(
                    from: .pem(certificateFile: fixtures.files.clientCertificate, keyFile: keyFile, keyPassphrase: nil))
            }
            #expect(error?.code == .keyDoesNotMatchCertificate)
            #expect(error?.file == keyFile)
            #expect(error?.message.contains(fixtures.files.clientCertificate) == true)
        }
    }

    @Test func expiredAndNotYetValidCertificatesAreRefused() throws {
        let expired = try fixtures.writeClient(validity: .expired(daysAgo: 2), name: "expired")
        let expiredError = credentialError {
            _ = try ClientIdentity.load(from: .pem(certificateFile: expired.certificate, keyFile: expired.key, keyPassphrase: nil))
        }
        #expect(expiredError?.code == .certificateExpired)
        #expect(expiredError?.file == expired.certificate)
        #expect(expiredError?.message.contains("expired") == true)

        let future = try fixtures.writeClient(validity: .notYetValid(daysAhead: 3), name: "future")
        let futureError = credentialError {
            _ = try ClientIdentity.load(from: .pem(certificateFile: future.certificate, keyFile: future.key, keyPassphrase: nil))
        }
        #expect(futureError?.code == .certificateNotYetValid)
        #expect(futureError?.file == future.certificate)
    }

    @Test func warnsWithinThirtyDaysOfExpiry() throws {
        let soon = try fixtures.writeClient(validity: .days(10), name: "soon")
        let identity = try ClientIdentity.load(from: .pem(certificateFile: soon.certificate, keyFile: soon.key, keyPassphrase: nil))
        let warning = try #require(identity.expiryWarning())
        #expect((9...10).contains(warning.daysLeft))
        #expect(warning.file == soon.certificate)
        #expect(warning.description.contains(soon.certificate))

        let healthy = try ClientIdentity.load(from: .pkcs12(file: fixtures.files.clientPKCS12, passphrase: passphrase))
        #expect(healthy.expiryWarning() == nil)
        // The same certificate warns once the clock is within 30 days of its end.
        #expect(healthy.expiryWarning(now: healthy.notValidAfter.addingTimeInterval(-29 * 86_400)) != nil)
    }

    @Test func passphraseNeverPrintsItself() {
        let secret = Passphrase("hunter2-secret")
        #expect(!"\(secret)".contains("hunter2"))
        #expect(!String(reflecting: secret).contains("hunter2"))
        #expect(!"\(ClientCredentialSource.pkcs12(file: "a.p12", passphrase: secret))".contains("hunter2"))
    }
}

@Suite struct PassphraseSourceTests {
    @Test func readsTheFirstLineOfAPassphraseFile() throws {
        let fixtures = try CredentialFixtures.get()
        let file = fixtures.directory + "/passphrase.txt"
        try Data((CredentialFixtures.passphrase + "\r\nignored\n").utf8).write(to: URL(fileURLWithPath: file))
        let passphrase = try Passphrase.read(fromFile: file)
        #expect(passphrase == Passphrase(CredentialFixtures.passphrase))
        _ = try ClientIdentity.load(from: .pkcs12(file: fixtures.files.clientPKCS12, passphrase: passphrase))

        let missing = credentialError { _ = try Passphrase.read(fromFile: fixtures.directory + "/none.txt") }
        #expect(missing?.code == .fileNotFound)
    }

    @Test func readsFromTheEnvironment() {
        #expect(Passphrase.fromEnvironment("P12_PASS", environment: ["P12_PASS": "x y"]) == Passphrase("x y"))
        #expect(Passphrase.fromEnvironment("P12_PASS", environment: [:]) == nil)
    }
}
