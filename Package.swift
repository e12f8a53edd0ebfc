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
    ],
    targets: [
        // liblmdb from Debian's liblmdb-dev.
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        // The append-only event log: LMDB environment, records, hash chain, event catalogue, the single writer.
        .target(name: "AvisoLedger", dependencies: [
            "CLMDB",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
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
        // The lender's portfolio coming in: CSV/JSON import of clients and installments.
        .target(name: "AvisoPortfolio", dependencies: ["AvisoLedger", "AvisoProjections"]),
        // The thin command-line front door.
        .executableTarget(name: "aviso", dependencies: [
            "AvisoLedger", "AvisoProjections", "AvisoPortfolio",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Benchmark and test helper tools.
        .executableTarget(name: "ledger-bench", dependencies: [
            "CLMDB", "AvisoLedger", "AvisoProjections",
            .product(name: "GRDB", package: "GRDB.swift"),
        ], path: "tools/ledger-bench"),
        .executableTarget(name: "ledger-stress", dependencies: ["AvisoLedger", "AvisoProjections"], path: "tools/ledger-stress"),
        .testTarget(name: "AvisoMessagingTests", dependencies: ["AvisoMessaging"]),
        .testTarget(name: "AvisoLedgerTests", dependencies: ["AvisoLedger", "CLMDB"]),
        .testTarget(name: "AvisoProjectionsTests", dependencies: [
            "AvisoLedger", "AvisoProjections", "AvisoPortfolio", "aviso", "ledger-stress",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
