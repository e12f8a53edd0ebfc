import AvisoLedger
import AvisoPortfolio
import AvisoProjections
import Foundation
import GRDB
import Testing

@Suite struct ImportTests {
    private func write(_ name: String, _ text: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-import-\(UUID().uuidString)-\(name)")
        try! text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    private let goodClients = """
        id,name,phone,phone_country_code,advisor,preferred_channel
        C1,"López, María",5555-1234,GT,Ana,whatsapp
        C2,Juan,+503 7012 3456,SV,Ana,sms

        """

    @Test func demoFixturesImportOnceAndReimportAppendsNothing() async throws {
        let store = try AvisoStore(directory: makeDataDirectory())
        defer { store.close() }
        let clients = fixtures.appendingPathComponent("demo/clients.csv")
        let installments = fixtures.appendingPathComponent("demo/installments.csv")
        let first = try await PortfolioImport.run(clients: clients, installments: installments, into: store)
        #expect(first.clientsChanged == 20 && first.installmentsChanged == 22)
        let again = try await PortfolioImport.run(clients: clients, installments: installments, into: store)
        #expect(again == ImportSummary(clientsChanged: 0, clientsUnchanged: 20, installmentsChanged: 0, installmentsUnchanged: 22, positions: []))
        #expect(try store.ledger.head().position == 42)
        let name = try store.read { try ClientRecord.fetchOne($0, key: "C001")?.name }
        #expect(name == "María José López")
    }

    @Test func quotedFieldsAndChangedRowsAppendOnlyWhatChanged() async throws {
        let store = try AvisoStore(directory: makeDataDirectory())
        defer { store.close() }
        _ = try await PortfolioImport.run(clients: write("c.csv", goodClients), installments: nil, into: store)
        let changed = goodClients.replacingOccurrences(of: "C2,Juan", with: "C2,Juan Pablo")
        let summary = try await PortfolioImport.run(clients: write("c.csv", changed), installments: nil, into: store)
        #expect(summary.clientsChanged == 1 && summary.clientsUnchanged == 1)
        #expect(try store.read { try ClientRecord.fetchOne($0, key: "C1")?.name } == "López, María")

        // Marking an installment paid appends InstallmentPaid.
        let pending = write("i.json", #"[{"id":"I1","client_id":"C1","loan_id":"P1","number":1,"due_date":"2026-12-01","amount":"1250.00","currency":"GTQ","status":"pending"}]"#)
        _ = try await PortfolioImport.run(clients: nil, installments: pending, into: store)
        let paid = write("i.json", #"[{"id":"I1","client_id":"C1","loan_id":"P1","number":1,"due_date":"2026-12-01","amount":1250,"currency":"GTQ","status":"paid"}]"#)
        let p = try await PortfolioImport.run(clients: nil, installments: paid, into: store)
        #expect(p.installmentsChanged == 1)
        let last = try store.ledger.records(after: 0, limit: 100).last!
        #expect(last.type == "InstallmentPaid")
        #expect(try store.read { try InstallmentRecord.fetchOne($0, key: "I1")?.status } == "paid")
    }

    @Test(arguments: [
        ("clients", "id,name,phone\nC1,Ana,5555\nC1,Otra,5556\n", 3, "id", "already appears on line 2"),
        ("clients", "id,name\nC1,Ana\n", 1, "phone", "required column"),
        ("clients", "id,name,phone,preferred_channel\nC1,Ana,5555,telegram\n", 2, "preferred_channel", "not one of"),
        ("clients", "id,name,phone,phone_country_code\nC1,Ana,5555,Guatemala\n", 2, "phone_country_code", "region code"),
        ("clients", "id,name,phone\nC1,,5555\n", 2, "name", "must not be empty"),
        ("installments", "id,client_id,loan_id,number,due_date,amount\nI1,C1,P1,1,2026-02-30,100\n", 2, "due_date", "not a date"),
        ("installments", "id,client_id,loan_id,number,due_date,amount\nI1,C1,P1,1,2026-12-01,-5\n", 2, "amount", "not an amount"),
        ("installments", "id,client_id,loan_id,number,due_date,amount\nI1,C1,P1,0,2026-12-01,5\n", 2, "number", "positive"),
        ("installments", "id,client_id,loan_id,number,due_date,amount,status\nI1,C1,P1,1,2026-12-01,5,late\n", 2, "status", "not one of"),
        ("installments", "id,client_id,loan_id,number,due_date,amount\nI1,C9,P1,1,2026-12-01,5\n", 2, "client_id", "C9"),
        ("installments", "id,client_id,loan_id,number,due_date,amount,currency\nI1,C1,P1,1,2026-12-01,5.123,GTQ\n", 2, "amount", "at most 2 decimals"),
    ] as [(String, String, Int, String, String)])
    func badRowsAreRefusedNamingFileLineAndColumnAndAppendNothing(kind: String, text: String, line: Int, column: String, message: String) async throws {
        let store = try AvisoStore(directory: makeDataDirectory())
        defer { store.close() }
        _ = try await PortfolioImport.run(clients: write("base.csv", goodClients), installments: nil, into: store)
        let head = try store.ledger.head()
        let file = write("\(kind).csv", text)
        // Good clients alongside bad installments: nothing of either is appended.
        let extraClients = write("more.csv", "id,name,phone\nC3,Nueva,5555-9999\n")
        do {
            _ = try await PortfolioImport.run(clients: kind == "clients" ? file : extraClients,
                                              installments: kind == "installments" ? file : nil, into: store)
            Issue.record("the import should have been refused")
        } catch let error as ImportError {
            #expect(error.file == file.lastPathComponent)
            #expect(error.line == line)
            #expect(error.column == column)
            #expect(error.message.contains(message), "\(error)")
        }
        #expect(try store.ledger.head() == head)
        #expect(try store.read { try ClientRecord.fetchOne($0, key: "C3") } == nil)
    }

    @Test func malformedFilesSayWhy() async throws {
        let store = try AvisoStore(directory: makeDataDirectory())
        defer { store.close() }
        await #expect(throws: ImportError.self) {
            try await PortfolioImport.run(clients: write("c.json", "[{\"id\": 1,"), installments: nil, into: store)
        }
        await #expect(throws: ImportError.self) {
            try await PortfolioImport.run(clients: write("c.csv", "id,name,phone\n\"C1,Ana,5555\n"), installments: nil, into: store)
        }
        await #expect(throws: ImportError.self) {
            try await PortfolioImport.run(clients: write("c.csv", "id,name,phone\nC1,Ana\n"), installments: nil, into: store)
        }
        #expect(try store.ledger.head().position == 0)
    }
}
