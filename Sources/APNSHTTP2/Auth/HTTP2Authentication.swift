import Foundation
import NIOConcurrencyHelpers

/// How a pool's connections authenticate: with the TLS client certificate (in the pool's TLS
/// context), or with a provider token in every request's `authorization` header.
public enum HTTP2Authentication: Sendable {
    public enum Kind: Sendable, Hashable { case certificate, token }

    case certificate
    case token(ProviderTokenSource)

    public var kind: Kind {
        switch self {
        case .certificate: .certificate
        case .token: .token
        }
    }
}

/// One key's provider token, shared by every connection of a pool (and safe to share between
/// pools of the same key): a ``ProviderTokenCache`` behind a lock, with the wall clock injected.
public final class ProviderTokenSource: Sendable {
    private let signer: ProviderTokenSigner
    private let now: @Sendable () -> Date
    private let cache: NIOLockedValueBox<ProviderTokenCache>

    /// - Parameters:
    ///   - refreshAge: see ``ProviderTokenCache/refreshAge``.
    ///   - now: the wall clock (`iat` is UNIX time); tests pass their own.
    public init(signer: ProviderTokenSigner, refreshAge: TimeInterval = 50 * 60, now: @escaping @Sendable () -> Date = { Date() }) {
        self.signer = signer
        self.now = now
        self.cache = NIOLockedValueBox(ProviderTokenCache(refreshAge: refreshAge))
    }

    public var keyID: String { signer.keyID }

    /// The token to send now.
    public func currentToken() -> String {
        let now = self.now()
        return cache.withLockedValue { $0.token(now: now, sign: signer.token(issuedAt:)) }
    }

    /// APNs said `token` expired; see ``ProviderTokenCache/expiredReported(token:)``.
    public func expiredReported(token: String) {
        cache.withLockedValue { $0.expiredReported(token: token) }
    }

    /// Tokens made so far.
    public var renewals: Int { cache.withLockedValue { $0.renewals } }
}
