// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Aviso",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "aviso", targets: ["aviso"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // liblmdb from Debian's liblmdb-dev.
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        // The append-only event log: LMDB environment, records, hash chain, event catalogue, the single writer.
        .target(name: "AvisoLedger", dependencies: [
            "CLMDB",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
        // SQLite read models built from the ledger: migrations, the projector, replay, digests.
        .target(name: "AvisoProjections", dependencies: [
            "AvisoLedger",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Phone numbers, message templates, providers (WhatsApp Cloud, Twilio, dry-run), the send path.
        .target(name: "AvisoMessaging", dependencies: [
            "AvisoLedger",
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Fake WhatsApp Graph and Twilio servers on loopback, for tests and benchmarks.
        .target(name: "AvisoFakeProviders", dependencies: [
            "AvisoMessaging",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The lender's portfolio coming in: CSV/JSON import of clients and installments.
        .target(name: "AvisoPortfolio", dependencies: ["AvisoLedger", "AvisoProjections"]),
        // Reminder stages, reactivation, governance (caps, quiet hours, 24 h rule) and runs.
        .target(name: "AvisoScheduler", dependencies: [
            "AvisoLedger", "AvisoProjections", "AvisoMessaging",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The Hummingbird app: webhooks, notifications API, portfolio API, users, sessions, console.
        .target(name: "AvisoServer", dependencies: [
            "AvisoLedger", "AvisoProjections", "AvisoMessaging", "AvisoScheduler", "AvisoPortfolio",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], resources: [.copy("Resources")]),
        // The thin command-line front door.
        .executableTarget(name: "aviso", dependencies: [
            "AvisoLedger", "AvisoProjections", "AvisoPortfolio", "AvisoMessaging", "AvisoScheduler", "AvisoServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Benchmark and test helper tools.
        .executableTarget(name: "ledger-bench", dependencies: [
            "CLMDB", "AvisoLedger", "AvisoProjections",
            .product(name: "GRDB", package: "GRDB.swift"),
        ], path: "tools/ledger-bench"),
        // Durable appends into the PostgreSQL ledger beside pgbench (tools/pg-ledger-bench/run.sh).
        .executableTarget(name: "pg-ledger-bench", dependencies: ["AvisoLedger"], path: "tools/pg-ledger-bench", exclude: ["run.sh"]),
        .executableTarget(name: "ledger-stress", dependencies: [
            "AvisoLedger", "AvisoProjections", .product(name: "GRDB", package: "GRDB.swift"),
        ], path: "tools/ledger-stress"),
        // History and timeline reads against ledger size (tools/history-bench/run.sh).
        .executableTarget(name: "history-bench", dependencies: ["AvisoLedger", "AvisoProjections"], path: "tools/history-bench",
                          exclude: ["run.sh"]),
        // A bare Hummingbird route, the baseline the webhook benchmark compares against.
        .executableTarget(name: "webhook-bench-bare", dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
        ], path: "tools/webhook-bench/bare"),
        .executableTarget(name: "scheduler-bench", dependencies: [
            "AvisoLedger", "AvisoProjections", "AvisoScheduler",
            .product(name: "GRDB", package: "GRDB.swift"),
        ], path: "tools/scheduler-bench"),
        // Phone parsing throughput against Python phonenumbers on the same list (tools/phone-bench/run.sh).
        .executableTarget(name: "phone-bench", dependencies: ["AvisoMessaging"], path: "tools/phone-bench",
                          exclude: ["make_list.py", "reference.py", "run.sh"]),
        .testTarget(name: "AvisoMessagingTests", dependencies: [
            "AvisoMessaging", "AvisoFakeProviders", "AvisoProjections", "AvisoTestSupport",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "AvisoSchedulerTests", dependencies: [
            "AvisoScheduler", "AvisoLedger", "AvisoProjections", "AvisoMessaging", "AvisoFakeProviders", "AvisoTestSupport", "aviso",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "AvisoServerTests", dependencies: [
            "AvisoServer", "AvisoLedger", "AvisoProjections", "AvisoMessaging", "AvisoScheduler", "AvisoFakeProviders", "AvisoTestSupport", "aviso",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // Helpers shared by the test targets: the real `aviso` binary as a process.
        .target(name: "AvisoTestSupport", path: "Tests/AvisoTestSupport"),
        .testTarget(name: "AvisoLedgerTests", dependencies: ["AvisoLedger", "CLMDB", "AvisoTestSupport"]),
        .testTarget(name: "AvisoProjectionsTests", dependencies: [
            "AvisoLedger", "AvisoProjections", "AvisoTestSupport", "AvisoPortfolio", "aviso", "ledger-stress",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
