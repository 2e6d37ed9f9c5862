import Foundation
import JobQueue
import Logging
import PostgresNIO
import Testing
import TestSupport

/// Migration 006 run by an ordinary owner: no superuser, no CREATEROLE, only CREATE on its
/// database. With the roles already on the cluster it makes the grants, and the SQL API, running
/// as that owner (SECURITY DEFINER), works for an enqueuer.
@Suite("Migrating without CREATEROLE", .serialized)
struct OwnerWithoutCreateRoleTests {
    /// Runs `statement` (which reads the role name from the `pushworker.test_role` setting) on one
    /// connection: identifiers cannot be bound, so the name travels as a bound setting value.
    static func withRoleName(_ name: String, on client: PostgresClient, run statement: PostgresQuery) async throws {
        try await client.withConnection { connection in
            _ = try await connection.query("SELECT set_config('pushworker.test_role', \(name), false)", logger: .quiet)
                .collect()
            _ = try await connection.query(statement, logger: .quiet).collect()
        }
    }

    @Test("an owner without CREATEROLE migrates a database on a cluster that has the roles; the API runs as that owner")
    func ownerWithoutCreateRole() async throws {
        let owner = "pushworker_owner_\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
        let server = try TestDatabase.serverURL()
        try await TestDatabase.withMigrated { _, _ in  // makes sure the cluster has the group roles
            try await TestDatabase.withEmpty { admin, url in
                try await Self.withRoleName(owner, on: admin, run: """
                    DO $$ BEGIN
                        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEROLE', current_setting('pushworker.test_role'));
                        EXECUTE format('GRANT CREATE ON DATABASE %I TO %I', current_database(), current_setting('pushworker.test_role'));
                    END $$
                    """)
                var ownerURL = url
                ownerURL.username = owner
                ownerURL.password = nil
                try await withRunningClient(ownerURL.clientConfiguration(), logger: .quiet) { client in
                    // 006's role-creating block, asked for a role the cluster lacks: a clear error.
                    let missing = owner.replacingOccurrences(of: "owner", with: "missing")
                    let roles = try Migrator.bundled().migrations.first { $0.name == "006_roles" }?.sql ?? ""
                    let block = String(roles[roles.range(of: "DO $$")!.lowerBound..<roles.range(of: "END $$;")!.upperBound])
                        .replacingOccurrences(of: "ARRAY['pushworker_worker', 'pushworker_enqueuer', 'pushworker_reporter']",
                                              with: "ARRAY['\(missing)']")
                    #expect(block.contains(missing))
                    do {
                        try await Migrator(migrations: [Migration(version: 1, name: "001_probe", sql: block)])
                            .migrate(client: client, logger: .quiet)
                        Issue.record("creating a role without CREATEROLE must fail")
                    } catch {
                        #expect("\(error)".contains(
                            "role \(missing) does not exist and user \(owner) lacks the CREATEROLE privilege to create it"),
                            "\(error)")
                        #expect("\(error)".contains("42501"), "\(error)")
                    }
                    let applied = try await Migrator.bundled().migrate(client: client, logger: .quiet)
                    // every migration, 006 and those after it, applies for an owner without CREATEROLE
                    #expect(applied.map(\.name).contains("006_roles"))
                    #expect(applied.last?.name == (try Migrator.bundled().migrations.last?.name))
                    try await client.execute(
                        "INSERT INTO push.app (name, topic, certificate_path) VALUES ('shop', 'com.example.shop', '/tmp/shop.p12')",
                        logger: .quiet)
                }
                try await LoginRole.with(granted: "pushworker_enqueuer", database: url, admin: admin) { enqueuer in
                    let rows = try await enqueuer.query(
                        #"SELECT push.enqueue_tokens(push.create_campaign('shop', '{"aps":{}}'), '{aa,bb,cc}')"#,
                        logger: .quiet)
                    for try await added in rows.decode(Int64.self) { #expect(added == 3) }
                    await LoginRole.expectRefused("INSERT INTO push.outcome (campaign_id, token_id, job_id, attempt, kind) VALUES (1, 1, 1, 1, 'accepted')", on: enqueuer)
                }
            }
        }
        // The database (and so everything the owner owned) is gone: the role can go too.
        try await withRunningClient(server.clientConfiguration(), logger: .quiet) { admin in
            try await Self.withRoleName(owner, on: admin, run: """
                DO $$ BEGIN EXECUTE format('DROP ROLE %I', current_setting('pushworker.test_role')); END $$
                """)
        }
    }
}
