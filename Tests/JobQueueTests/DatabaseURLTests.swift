import JobQueue
import Testing

@Suite struct DatabaseURLTests {
    @Test func parsesEveryPart() throws {
        let url = try DatabaseURL(parsing: "postgres://push%40er:s3cr%2Ft@db.example.com:6543/queue?sslmode=verify-full")
        #expect(url.username == "push@er")
        #expect(url.password == "s3cr/t")
        #expect(url.host == "db.example.com")
        #expect(url.port == 6543)
        #expect(url.database == "queue")
        #expect(url.tlsMode == .verifyFull)
    }

    @Test func defaultsPortDatabaseAndTLS() throws {
        let url = try DatabaseURL(parsing: "postgresql://worker@localhost")
        #expect(url.port == 5432)
        #expect(url.database == "worker")
        #expect(url.password == nil)
        #expect(url.tlsMode == .prefer)
    }

    @Test func descriptionNeverShowsThePassword() throws {
        let url = try DatabaseURL(parsing: "postgres://worker:hunter2@localhost:5432/push?sslmode=require")
        #expect(url.description == "postgres://worker:***@localhost:5432/push?sslmode=require")
        #expect(!"\(url)".contains("hunter2"))
    }

    @Test func revealingPasswordRoundTrips() throws {
        let url = try DatabaseURL(parsing: "postgres://push%40er:s3cr%2Ft@db:6543/queue?sslmode=require")
        #expect(try DatabaseURL(parsing: url.revealingPassword) == url)
    }

    @Test(arguments: [
        ("mysql://u@h/d", "must start with postgres:// or postgresql://"),
        ("postgres:///d", "names no host"),
        ("postgres://h/d", "names no user"),
        ("postgres://u@h/d?sslmode=sometimes", "has sslmode 'sometimes'"),
        ("postgres://u@h/d?pool=3", "unsupported parameter 'pool'"),
    ])
    func refusesWithTheProblem(text: String, problem: String) {
        #expect {
            try DatabaseURL(parsing: text)
        } throws: { error in
            "\(error)".contains(problem)
        }
    }

    @Test func errorsDoNotRepeatThePassword() {
        #expect {
            try DatabaseURL(parsing: "postgres://u:topsecret@h/d?sslmode=bogus")
        } throws: { error in
            !"\(error)".contains("topsecret")
        }
    }
}
