import Foundation
import Synchronization

/// Reads `GeneratedPhoneMetadata.text` (format in that file's header): at first use only which
/// block belongs to which region and which regions share each calling code; a region's block is
/// parsed, and its patterns compiled, the first time that region is needed, then kept.
final class PhoneMetadataCatalogue: Sendable {
    static let shared = PhoneMetadataCatalogue(text: GeneratedPhoneMetadata.text)

    /// Region codes of every geographic region, sorted.
    let geographicRegionCodes: [String]
    /// Calling code → region codes sharing it, the main one first (`001` for non-geographic codes).
    private let regionCodesByCallingCode: [String: [String]]
    /// Block key (see `key`) → the block's lines after its `region` line.
    private let blocks: [String: [Substring]]
    private let loaded = Mutex<[String: PhoneRegion]>([:])

    init(text: String) {
        var byCallingCode: [String: [String]] = [:]
        var blocks: [String: [Substring]] = [:]
        var current: String?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            switch fields.first {
            case "cc" where fields.count >= 3:
                byCallingCode[String(fields[1])] = fields.dropFirst(2).map(String.init)
            case "region" where fields.count == 3:
                let key = Self.key(code: String(fields[1]), callingCode: String(fields[2]))
                blocks[key] = [line]
                current = key
            default:
                if let current { blocks[current, default: []].append(line) }
            }
        }
        self.regionCodesByCallingCode = byCallingCode
        self.blocks = blocks
        self.geographicRegionCodes = blocks.keys.filter { !$0.hasPrefix("001") }.sorted()
    }

    /// Non-geographic codes share the region code `001`, so their blocks are keyed by code too.
    private static func key(code: String, callingCode: String) -> String {
        code == "001" ? "001+" + callingCode : code
    }

    func regionCodes(callingCode: String) -> [String] {
        regionCodesByCallingCode[callingCode] ?? []
    }

    func isCallingCode(_ digits: Substring) -> Bool {
        regionCodesByCallingCode[String(digits)] != nil
    }

    /// A geographic region by its code (`GT`).
    func region(code: String) -> PhoneRegion? {
        code == "001" ? nil : load(key: code)
    }

    /// A region of `callingCode` by its code, which may be `001`.
    func region(code: String, callingCode: String) -> PhoneRegion? {
        let region = load(key: Self.key(code: code, callingCode: callingCode))
        return region?.callingCode == callingCode ? region : nil
    }

    /// The region whose rules parse numbers written with `callingCode`: its main region.
    func mainRegion(callingCode: String) -> PhoneRegion? {
        regionCodes(callingCode: callingCode).first.flatMap { region(code: $0, callingCode: callingCode) }
    }

    /// How many regions have been parsed and compiled so far.
    var loadedCount: Int { loaded.withLock { $0.count } }

    private func load(key: String) -> PhoneRegion? {
        guard let lines = blocks[key] else { return nil }
        return loaded.withLock { cache in
            if let region = cache[key] { return region }
            // A malformed block (the tests load every region) leaves the region out: its numbers are refused.
            guard let region = Self.parse(lines) else { return nil }
            cache[key] = region
            return region
        }
    }

    private static func parse(_ lines: [Substring]) -> PhoneRegion? {
        var facts: [Substring: Substring] = [:]
        var descriptions: [(type: Substring, description: NumberDescription)] = []
        for line in lines {
            let fields = line.split(separator: " ", maxSplits: 3)
            if fields.count == 4, let possible = lengthList(fields[1]), let local = lengthList(fields[2]) {
                guard !possible.isEmpty, let pattern = NumberPattern(String(fields[3]), .whole) else { return nil }
                descriptions.append((fields[0], NumberDescription(lengths: possible, localOnlyLengths: local, pattern: pattern)))
            } else if fields.count >= 2 {
                facts[fields[0]] = line.split(separator: " ", maxSplits: 1)[1]
            } else {
                return nil
            }
        }
        var prefixes: [Substring: NumberPattern] = [:]
        for name: Substring in ["idd", "national_prefix_for_parsing", "leading_digits"] {
            guard let source = facts[name] else { continue }
            guard let pattern = NumberPattern(String(source), .prefix) else { return nil }
            prefixes[name] = pattern
        }
        guard let header = facts["region"]?.split(separator: " "), header.count == 2,
              let general = descriptions.first(where: { $0.type == "general" })?.description else { return nil }
        let named = { (type: Substring) in descriptions.first(where: { $0.type == type })?.description }
        return PhoneRegion(
            code: String(header[0]), callingCode: String(header[1]),
            internationalPrefix: prefixes["idd"],
            nationalPrefixForParsing: prefixes["national_prefix_for_parsing"],
            nationalPrefixTransform: facts["national_prefix_transform"].map(String.init),
            leadingDigits: prefixes["leading_digits"],
            general: general,
            specialServices: descriptions.filter { !["general", "fixed_line", "mobile"].contains($0.type) }.map(\.description),
            fixedLine: named("fixed_line"),
            mobile: named("mobile"))
    }

    /// `8,11` → [8, 11]; `-` → []; nil when not a length list.
    private static func lengthList(_ field: Substring) -> [Int]? {
        if field == "-" { return [] }
        let values = field.split(separator: ",").map { Int($0) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else { return nil }
        return values.compactMap { $0 }
    }
}
