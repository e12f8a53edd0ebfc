import AvisoLedger
import AvisoProjections
import Foundation

/// The message log as CSV (RFC 4180, UTF-8 with a BOM so spreadsheets read the accents):
/// one row per message with the page's filters, numbers masked to their last 4 digits unless
/// an admin asked for them in full (recorded as `UnmaskedLogExported`).
public enum MessageLogCSV {
    /// An export is a report, not a backup: past this many rows, narrow the filters.
    static let maximumRows = 100_000

    static let header = ["fecha_utc", "fecha_local", "cliente_id", "cliente", "cuota", "etapa", "canal", "estado",
                         "motivo", "destino", "simulacion", "prueba", "proveedor"]

    /// The CSV for `rows` (the console's export and `aviso log --csv`).
    public static func text(_ rows: [NotificationRecord], names: [String: String], zone: TimeZone, unmasked: Bool = false) -> String {
        var out = "\u{FEFF}" + line(header)
        for r in rows {
            let view = MessagesController.row(r, names: names, zone: zone)
            out += line([r.createdAt, ConsoleFormatting.shortDateTime(utc: r.createdAt, in: zone), r.clientId, names[r.clientId] ?? "",
                         r.installmentId ?? "", r.stage, r.channel ?? "", r.status, view.detail, unmasked ? r.toE164 ?? "" : view.to,
                         r.dryRun ? "si" : "no", r.test ? "si" : "no", r.provider ?? ""])
        }
        return out
    }

    static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// Quoted when needed; a cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`)
    /// starts with an apostrophe instead.
    static func field(_ value: String) -> String {
        var v = value
        if let first = v.first, "=+-@\t\r".contains(first) { v = "'" + v }
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
