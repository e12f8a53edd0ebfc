import AvisoLedger
import AvisoPortfolio
import AvisoProjections
import Foundation
import GRDB
import Testing

/// Strict CSV quoting and bounded due dates: a bad cell names line and column, nothing is appended.
@Suite struct ImportHygieneTests {
    private func write(_ name: String, _ text: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-hygiene-\(UUID().uuidString)-\(name)")
        try! text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    private let clients = "id,name,phone\nC1,Ana,5555-1234\n"
    private let installmentHeader = "id,client_id,loan_id,number,due_date,amount\n"

    /// Imports `text` and returns the refusal (recording an issue if it was accepted); checks nothing was appended.
    private func refusal(clients clientsText: String? = nil, installments: String? = nil) async throws -> ImportError? {
        let store = try AvisoStore(directory: makeDataDirectory())
        defer { store.close() }
        _ = try await PortfolioImport.run(clients: write("base.csv", clients), installments: nil, into: store)
        let head = try store.ledger.head()
        defer { #expect((try? store.ledger.head()) == head) }
        do {
            _ = try await PortfolioImport.run(clients: clientsText.map { write("c.csv", $0) },
                                              installments: installments.map { write("i.csv", $0) }, into: store)
            Issue.record("accepted: \(clientsText ?? installments ?? "")")
            return nil
        } catch let error as ImportError {
            return error
        }
    }

    @Test(arguments: [
        ("id,name,phone\nC2,\"Ana\"xyz,5555-9999\n", 2, "name", "after the closing quote"),
        ("id,name,phone\nC2,\"Ana\" ,5555-9999\n", 2, "name", "after the closing quote"),
        ("id,name,phone\nC2,\"Ana\"\"\"x,5555-9999\n", 2, "name", "after the closing quote"),
        ("id,name,phone\nC2,An\"a,5555-9999\n", 2, "name", "quote inside an unquoted field"),
        ("id,name,phone\nC2, \"Ana\",5555-9999\n", 2, "name", "quote inside an unquoted field"),
        ("id,name,phone\nC2,\"Ana\nMaría\",5555\nC3,\"Luis\"z,5555-8888\n", 4, "name", "after the closing quote"),
        ("id,\"name\"x,phone\nC2,Ana,5555\n", 1, "field 2", "after the closing quote"),
        ("id,name,phone\nC2,Ana,\"5555\"-9999\n", 2, "phone", "after the closing quote"),
    ] as [(String, Int, String, String)])
    func strayCharactersAroundQuotesAreErrorsNamingLineAndColumn(text: String, line: Int, column: String, message: String) async throws {
        let error = try await refusal(clients: text)
        #expect(error?.line == line)
        #expect(error?.column == column)
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test func wellQuotedFieldsStillRead() async throws {
        let store = try AvisoStore(directory: makeDataDirectory())
        defer { store.close() }
        let text = "id,name,phone\nC1,\"López, \"\"la Nena\"\"\",5555-1234\nC2,\"Ana\nMaría\",5555-2222\r\nC3,\"Luis\",5555-3333\n"
        _ = try await PortfolioImport.run(clients: write("c.csv", text), installments: nil, into: store)
        #expect(try store.read { try ClientRecord.fetchOne($0, key: "C1")?.name } == "López, \"la Nena\"")
        #expect(try store.read { try ClientRecord.fetchOne($0, key: "C2")?.name } == "Ana\nMaría")
    }

    @Test(arguments: [
        ("@+999999999999", "more than 36500 days"), ("@+36501", "more than 36500 days"), ("@-36501", "more than 36500 days"),
        ("@+99999", "more than 36500 days"), ("@+", "is not a relative date"), ("@", "is not a relative date"),
        ("@+1e5", "is not a relative date"), ("@++5", "is not a relative date"), ("@+-5", "is not a relative date"),
        ("@ 5", "is not a relative date"), ("@+٣", "is not a relative date"), ("9999-12-31", "between 1970 and 2199"),
        ("0001-01-01", "between 1970 and 2199"), ("1969-12-31", "between 1970 and 2199"),
    ])
    func relativeAndAbsoluteDueDatesAreBounded(due: String, message: String) async throws {
        let error = try await refusal(installments: installmentHeader + "I1,C1,P1,1,\(due),100\n")
        #expect(error?.line == 2)
        #expect(error?.column == "due_date")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test func dueDatesWithinTheBoundsAreAccepted() async throws {
        let store = try AvisoStore(directory: makeDataDirectory())
        defer { store.close() }
        _ = try await PortfolioImport.run(clients: write("c.csv", clients), installments: nil, into: store)
        let text = installmentHeader + "I1,C1,P1,1,@+36500,100\nI2,C1,P1,2,@-30,100\nI3,C1,P1,3,@7,100\nI4,C1,P1,4,2199-12-31,100\n"
        let summary = try await PortfolioImport.run(clients: nil, installments: write("i.csv", text), into: store)
        #expect(summary.installmentsChanged == 4)
    }
}
