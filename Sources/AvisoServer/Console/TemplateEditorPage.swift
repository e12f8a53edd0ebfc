import AvisoLedger
import AvisoMessaging
import AvisoProjections
import Foundation
import GRDB

/// The data of the Plantillas tab: the stage × channel grid, and the editor of one template
/// with its variables, preview and history.
struct TemplatesPageData: Sendable {
    struct Cell: Sendable {
        var present: Bool
        var version: Int
        var href: String
        var current: Bool
        /// WhatsApp cells: Meta's status of the stage's template, when known.
        var meta: String? = nil
        var metaClass = "neutro"
    }

    struct GridRow: Sendable {
        var stage: String
        var description: String
        var cells: [Cell]
    }

    struct ClientOption: Sendable {
        var id: String
        var name: String
        var selected: Bool
    }

    struct Variable: Sendable {
        var tag: String
        var explanation: String
    }

    struct PreviewView: Sendable {
        var live = false
        var text: String?
        var error: String?
        var encoding = "—"
        var segments = "—"
        var characters = "—"
        var cost = "—"
        var to: String?
        var whatsapp: String?

        init(_ result: TemplatePreviewer.Result?) {
            guard let result else { return }
            text = result.text
            error = result.error
            encoding = result.encoding ?? "—"
            segments = result.segments.map(String.init) ?? "—"
            characters = result.characters.map(String.init) ?? "—"
            cost = result.cost ?? "—"
            to = result.to
            whatsapp = result.whatsapp
        }
    }

    struct HistoryEntry: Sendable {
        var version: Int
        var position: Int64
        var when: String
        var who: String
        var origin: String?
        var current: Bool
        var body: String
        var previous: String?
        var previousVersion: Int
    }

    struct Editor: Sendable {
        var stage: String
        var stageDescription: String
        var channel: String
        var channelLabel: String
        var version: Int
        var body: String
        var isWhatsApp: Bool
        var waName: String
        var waLanguage: String
        var waParameters: String
        var error: String?
        var clients: [ClientOption]
        var preview: PreviewView
        var variables: [Variable]
        var history: [HistoryEntry]
        var hasDefault: Bool
        var testStage: String
        var selfHref: String
        /// What Meta says about this WhatsApp template (`MetaTemplatePanel`).
        var meta: MetaTemplatePanel? = nil
    }

    var grid: [GridRow]
    var editor: Editor?

    /// Builds the page for `stage`/`channel`. `input` (posted, maybe invalid) replaces the
    /// saved text in the editor, so a refused save shows what was typed.
    static func build(_ db: Database, stage: TemplateStage, channel: Channel, input: TemplateInput?, error: String?,
                      preview: TemplatePreviewer.Result?, hasDefault: Bool, canSync: Bool = false) throws -> TemplatesPageData {
        let saved = try TemplateRecord.fetchAll(db)
        let byKey = Dictionary(saved.map { ("\($0.stage)/\($0.channel)", $0) }, uniquingKeysWith: { a, _ in a })
        let grid = try TemplateStage.allCases.map { s in
            GridRow(stage: s.rawValue, description: s.spanishDescription, cells: try Channel.allCases.map { c in
                let row = byKey["\(s.rawValue)/\(c.rawValue)"]
                var cell = Cell(present: row != nil, version: row?.version ?? 0, href: TemplateSelection.href(s, c),
                                current: s == stage && c == channel)
                if c == .whatsapp, let row { (cell.meta, cell.metaClass) = try MetaTemplatePanel.gridBadge(db, row) }
                return cell
            })
        }
        guard let record = byKey["\(stage.rawValue)/\(channel.rawValue)"] else { return TemplatesPageData(grid: grid, editor: nil) }

        let settings = try MessagingSettings.current(db)
        let zone = settings.zone
        let chosenClient = input?.cliente
        let clients = try ClientRecord.order(Column("id")).fetchAll(db).enumerated().map { i, c in
            ClientOption(id: c.id, name: c.name, selected: chosenClient == nil ? i == 0 : c.id == chosenClient)
        }
        let versions = try TemplateVersionRecord
            .filter(Column("stage") == stage.rawValue && Column("channel") == channel.rawValue)
            .order(Column("version").desc).fetchAll(db)
        let byPosition = Dictionary(versions.map { ($0.position, $0.version) }, uniquingKeysWith: { a, _ in a })
        let bodies = Dictionary(versions.map { ($0.version, $0.body) }, uniquingKeysWith: { a, _ in a })
        let history = try versions.map { v in
            HistoryEntry(version: v.version, position: v.position, when: ConsoleFormatting.dateTime(utc: v.changedAt, in: zone),
                         who: try ConsoleFormatting.actorName(v.changedBy, db), origin: Self.origin(v.origin, byPosition),
                         current: v.version == record.version, body: v.body, previous: bodies[v.version - 1],
                         previousVersion: v.version - 1)
        }
        var editor = Editor(
            stage: stage.rawValue, stageDescription: stage.spanishDescription, channel: channel.rawValue,
            channelLabel: TemplateSelection.channelLabel(channel), version: record.version,
            body: input?.cuerpo ?? record.body, isWhatsApp: channel == .whatsapp,
            waName: input?.wa_nombre ?? record.whatsappName ?? "",
            waLanguage: input?.wa_idioma ?? record.whatsappLanguage ?? "es",
            waParameters: input?.wa_parametros ?? (record.whatsappParameters ?? []).joined(separator: ", "),
            error: error, clients: clients, preview: PreviewView(preview),
            variables: TemplateVariable.offered(in: stage).map { Variable(tag: $0.tag, explanation: $0.explanation) },
            history: history, hasDefault: hasDefault, testStage: TemplateSelection.schedulerName(stage),
            selfHref: TemplateSelection.href(stage, channel))
        if channel == .whatsapp {
            let ref = record.whatsappName.map { WhatsAppTemplateRef(name: $0, language: record.whatsappLanguage ?? "es", parameters: record.whatsappParameters ?? []) }
            editor.meta = try MetaTemplatePanel.build(db, ref: ref, values: preview?.whatsappValues, zone: zone, canSync: canSync,
                                                      stage: stage.rawValue)
        }
        return TemplatesPageData(grid: grid, editor: editor)
    }

    /// `default` / `restore:<position>` in words.
    static func origin(_ origin: String?, _ versionAt: [Int64: Int]) -> String? {
        guard let origin else { return nil }
        if origin == "default" { return "texto de fábrica" }
        if origin.hasPrefix("restore:"), let position = Int64(origin.dropFirst("restore:".count)) {
            return versionAt[position].map { "restaurada de la versión \($0)" } ?? "restaurada"
        }
        return origin
    }
}
