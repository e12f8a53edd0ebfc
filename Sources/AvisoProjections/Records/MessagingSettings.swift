import AvisoLedger
import Foundation
import GRDB

/// The one row of the `settings` table: how and when Aviso may message people.
public struct MessagingSettings: SnakeCaseRecord, Equatable {
    public static let databaseTableName = "settings"
    public var id: Int = 1
    public var timeZone: String
    public var quietHoursStart: String
    public var quietHoursEnd: String
    public var dailyCap: Int
    public var enabledStages: [String]
    public var weeklyMaximum: Int
    public var runTime: String
    public var reactivateTime: String
    public var reactivatePendingDays: Int
    public var reactivateIntervalDays: Int
    public var whatsappMessagesPerSecond: Double
    public var updatedAt: String?
    public var updatedBy: String?
    /// nil until a `SettingsChanged` sets it; read it through `transliteratesSMS`.
    public var smsTransliteration: Bool?

    /// nil until a `SettingsChanged` pauses sending; read it through `isPaused`.
    public var paused: Bool?
    /// Why sending was paused (or resumed), as the admin wrote it.
    public var pauseReason: String?

    /// Quetzales per SMS segment (nil until an admin sets it): the dashboard's cost estimate.
    public var smsSegmentPrice: Double?

    /// No run decides or sends anything while this is on (an admin's pause).
    public var isPaused: Bool { paused ?? false }

    /// Every rendered SMS is folded to GSM-7 (`GSM7Transliteration`): on unless turned off.
    public var transliteratesSMS: Bool { smsTransliteration ?? true }

    /// The lender's defaults: Guatemala, quiet 20:00–08:00, two messages a day, every stage.
    public static let defaults = MessagingSettings(
        timeZone: "America/Guatemala", quietHoursStart: "20:00", quietHoursEnd: "08:00", dailyCap: 2,
        enabledStages: ["D-15", "D-2", "D-1", "D0", "D+1", "D+3", "WEEKLY", "REACTIVATE_PENDING", "REACTIVATE_OVERDUE"],
        weeklyMaximum: 12, runTime: "09:00", reactivateTime: "09:00", reactivatePendingDays: 2,
        reactivateIntervalDays: 7, whatsappMessagesPerSecond: 20)

    /// The documented range of each number; the console refuses values outside them with a
    /// field error. The WhatsApp rate's floor keeps the send pacing's wait finite and short
    /// enough to matter (one message every 10 s at the slowest).
    public enum Ranges {
        public static let dailyCap = 0...1_000
        public static let weeklyMaximum = 1...52
        public static let reactivatePendingDays = 0...60
        public static let reactivateIntervalDays = 1...60
        public static let whatsappMessagesPerSecond: ClosedRange<Double> = 0.1...1_000
        /// Quetzales; Twilio's price to Guatemala is a fraction of one.
        public static let smsSegmentPrice: ClosedRange<Double> = 0...10
    }

    /// These settings with `change`'s given fields applied.
    public func applying(_ change: SettingsChanged) -> MessagingSettings {
        var s = self
        if let v = change.timeZone { s.timeZone = v }
        if let v = change.quietHoursStart { s.quietHoursStart = v }
        if let v = change.quietHoursEnd { s.quietHoursEnd = v }
        if let v = change.dailyCap { s.dailyCap = v }
        if let v = change.enabledStages { s.enabledStages = v }
        if let v = change.weeklyMaximum { s.weeklyMaximum = v }
        if let v = change.runTime { s.runTime = v }
        if let v = change.reactivateTime { s.reactivateTime = v }
        if let v = change.reactivatePendingDays { s.reactivatePendingDays = v }
        if let v = change.reactivateIntervalDays { s.reactivateIntervalDays = v }
        if let v = change.whatsappMessagesPerSecond { s.whatsappMessagesPerSecond = v }
        if let v = change.smsTransliteration { s.smsTransliteration = v }
        if let v = change.smsSegmentPrice { s.smsSegmentPrice = v }
        if let v = change.paused {
            s.paused = v
            s.pauseReason = change.pauseReason
        }
        return s
    }

    /// The settings' IANA zone (Guatemala if the saved name is unknown).
    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: "America/Guatemala")! }

    /// Written by hand only to leave out `sms_transliteration` while it is nil: the shipped `v1`
    /// migration inserts `defaults` before `v3-sms-transliteration` adds that column. Once set,
    /// a setting is never unset, so leaving out nil never keeps a stale value.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(timeZone, forKey: .timeZone)
        try c.encode(quietHoursStart, forKey: .quietHoursStart)
        try c.encode(quietHoursEnd, forKey: .quietHoursEnd)
        try c.encode(dailyCap, forKey: .dailyCap)
        try c.encode(enabledStages, forKey: .enabledStages)
        try c.encode(weeklyMaximum, forKey: .weeklyMaximum)
        try c.encode(runTime, forKey: .runTime)
        try c.encode(reactivateTime, forKey: .reactivateTime)
        try c.encode(reactivatePendingDays, forKey: .reactivatePendingDays)
        try c.encode(reactivateIntervalDays, forKey: .reactivateIntervalDays)
        try c.encode(whatsappMessagesPerSecond, forKey: .whatsappMessagesPerSecond)
        try c.encodeIfPresent(updatedAt, forKey: .updatedAt)
        try c.encodeIfPresent(updatedBy, forKey: .updatedBy)
        if let smsTransliteration { try c.encode(smsTransliteration, forKey: .smsTransliteration) }
        // Likewise for the pause, added by `v4-pause`.
        if let paused { try c.encode(paused, forKey: .paused) }
        if let pauseReason { try c.encode(pauseReason, forKey: .pauseReason) }
        // And the price, added by `v6-sms-segment-price`.
        if let smsSegmentPrice { try c.encode(smsSegmentPrice, forKey: .smsSegmentPrice) }
    }

    /// Adds the price per SMS segment (NULL: not set, no cost estimate).
    static func migrateV6SMSSegmentPrice(_ db: Database) throws {
        try db.alter(table: databaseTableName) { t in t.add(column: "sms_segment_price", .double) }
    }

    /// Adds the pause columns (NULL: never paused).
    static func migrateV4Pause(_ db: Database) throws {
        try db.alter(table: databaseTableName) { t in
            t.add(column: "paused", .boolean)
            t.add(column: "pause_reason", .text)
        }
    }

    /// Adds the `smsTransliteration` setting's column (NULL: never set, so on).
    static func migrateV3SMSTransliteration(_ db: Database) throws {
        try db.alter(table: databaseTableName) { t in t.add(column: "sms_transliteration", .boolean) }
    }

    /// "v1" seeded the table with `defaults`; rows now come only from `SettingsChanged`, and
    /// `current` gives the defaults from code until one exists. The seeded row is the one no
    /// event ever touched: removing it changes no value anyone reads, and lets the `messaging`
    /// projection be rebuilt from events alone.
    static func migrateV6FromEvents(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM settings WHERE updated_at IS NULL")
    }

    public static func current(_ db: Database) throws -> MessagingSettings {
        try MessagingSettings.fetchOne(db, key: 1) ?? .defaults
    }
}
