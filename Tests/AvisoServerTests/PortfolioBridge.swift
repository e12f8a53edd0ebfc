import AvisoPortfolio
import AvisoProjections
import Foundation

enum AvisoPortfolioBridge {
    static func run(store: AvisoStore, demo: URL) async throws -> Int {
        let summary = try await PortfolioImport.run(clients: demo.appendingPathComponent("clients.csv"),
                                                    installments: demo.appendingPathComponent("installments.csv"), into: store)
        return summary.positions.count
    }
}
