import AvisoLedger
import AvisoProjections
import Foundation
import GRDB
import Testing

/// Issue 13: `aviso user list|disable|enable|reset` through the real binary.
@Suite(.serialized) struct UserCommandTests {
    private let aviso = avisoUnderTest()

    @Test func listDisableEnableAndReset() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aviso-users-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        // A data directory that exists: commands other than serve and import refuse a missing one.
        try AvisoStore(directory: DataDirectory(directory)).close()
        let data = ["--data", directory.path]
        let environment = ["AVISO_BCRYPT_COST": "4"]
        let add = try runProcess(aviso, ["user", "add", "--login", "ana", "--role", "asesor", "--name", "Ana Pérez"] + data,
                                 stdin: "una-contraseña-larga\n", environment: environment)
        #expect(add.status == 0, "\(add.stderr)")

        let list = try runProcess(aviso, ["user", "list"] + data)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("ana\tasesor\tAna Pérez\tactive"))
        #expect(!list.stdout.contains("$2"), "no hash")

        #expect(try runProcess(aviso, ["user", "disable", "--login", "ana"] + data).stdout.contains("user ana disabled"))
        #expect(try runProcess(aviso, ["user", "list"] + data).stdout.contains("ana\tasesor\tAna Pérez\tdisabled"))
        #expect(try runProcess(aviso, ["user", "enable", "--login", "ana"] + data).status == 0)
        #expect(try runProcess(aviso, ["user", "list"] + data).stdout.contains("\tactive"))

        let reset = try runProcess(aviso, ["user", "reset", "--login", "ana"] + data, environment: environment)
        #expect(reset.status == 0, "\(reset.stderr)")
        let password = String(reset.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").last ?? "")
        #expect(password.count == 16)
        #expect(try runProcess(aviso, ["user", "list"] + data).stdout.contains("\tmust_change_password"))
        let history = try runProcess(aviso, ["history"] + data)
        #expect(history.stdout.contains("UserStatusChanged"))
        #expect(!history.stdout.contains(password), "the one-time password is never recorded")

        let unknown = try runProcess(aviso, ["user", "disable", "--login", "nadie"] + data)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no user with login `nadie`"))
    }
}

/// Issue 13: `aviso log --csv`, the console's CSV with numbers masked.
@Suite(.serialized) struct LogCSVCommandTests {
    private let aviso = avisoUnderTest()

    @Test func logAsCSVMasksNumbers() async throws {
        let directory = try await directoryWithAnUnreadableRecord()
        let data = ["--data", directory.url.path]
        let csv = try runProcess(aviso, ["log", "--csv"] + data)
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\r\n")
        #expect(lines.first?.hasSuffix("fecha_utc,fecha_local,cliente_id,cliente,cuota,etapa,canal,estado,motivo,destino,simulacion,prueba,proveedor") == true)
        #expect(lines.count >= 2)
        #expect(csv.stdout.contains("***"))
        #expect(try runProcess(aviso, ["log", "--csv", "--json"] + data).status != 0)
        #expect(!(try runProcess(aviso, ["history"] + data).stdout.contains("UnmaskedLogExported")), "a masked CSV records nothing")
    }

    /// Full numbers in a CSV only with `--unmasked`, and the request is recorded (who, when, filters).
    @Test func unmaskedCSVIsRecorded() async throws {
        let directory = try await directoryWithAnUnreadableRecord()
        let data = ["--data", directory.url.path]
        let csv = try runProcess(aviso, ["log", "--csv", "--unmasked", "--client", "C1"] + data)
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(!csv.stdout.contains("***"))
        let history = try runProcess(aviso, ["history", "--json"] + data)
        let line = try #require(history.stdout.split(separator: "\n").first { $0.contains("UnmaskedLogExported") })
        #expect(line.contains(#""via":"cli""#) && line.contains(#""client":"C1""#), "\(line)")
        #expect(line.contains(#""actor":"cli""#), "\(line)")
    }
}
