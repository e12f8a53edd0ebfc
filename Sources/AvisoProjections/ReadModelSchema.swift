import GRDB

/// The read models' schema. Shipped migrations are never edited: add a new one instead.
/// Every table here is built only from ledger events by `EventApplier`.
public enum ReadModelSchema {
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "projection_checkpoint") { t in
                t.primaryKey("name", .text)
                t.column("position", .integer).notNull()
                t.column("hash", .blob).notNull()
            }
            try db.create(table: "clients") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("phone", .text).notNull()
                t.column("phone_country_code", .text)
                t.column("advisor", .text)
                t.column("preferred_channel", .text).notNull()
                t.column("payment_link", .text)
                t.column("updated_at", .text).notNull()
            }
            try db.create(table: "installments") { t in
                t.primaryKey("id", .text)
                t.column("client_id", .text).notNull().indexed()
                t.column("loan_id", .text).notNull()
                t.column("number", .integer).notNull()
                t.column("due_date", .text).notNull().indexed()
                t.column("amount_minor", .integer).notNull()
                t.column("currency", .text).notNull()
                t.column("status", .text).notNull()
                // When the status last changed (ledger time): "pending_confirmation for N days".
                t.column("status_since", .text).notNull()
                t.column("paid_on", .text)
            }
            try db.create(table: "users") { t in
                t.primaryKey("id", .text)
                t.column("login", .text).notNull().unique()
                t.column("role", .text).notNull()
                t.column("name", .text).notNull()
                t.column("client_id", .text)
                t.column("password_hash", .text).notNull()
                t.column("created_at", .text).notNull()
                t.column("password_changed_at", .text).notNull()
            }
            try db.create(table: "templates") { t in
                t.column("stage", .text).notNull()
                t.column("channel", .text).notNull()
                t.column("body", .text).notNull()
                t.column("whatsapp_name", .text)
                t.column("whatsapp_language", .text)
                t.column("whatsapp_parameters", .text)
                t.column("version", .integer).notNull()
                t.column("updated_at", .text).notNull()
                t.column("updated_by", .text).notNull()
                t.column("origin", .text)
                t.primaryKey(["stage", "channel"])
            }
            try db.create(table: "template_versions") { t in
                t.primaryKey("position", .integer)
                t.column("stage", .text).notNull()
                t.column("channel", .text).notNull()
                t.column("version", .integer).notNull()
                t.column("body", .text).notNull()
                t.column("whatsapp_name", .text)
                t.column("whatsapp_language", .text)
                t.column("whatsapp_parameters", .text)
                t.column("changed_at", .text).notNull()
                t.column("changed_by", .text).notNull()
                t.column("origin", .text)
                t.uniqueKey(["stage", "channel", "version"])
            }
            try db.create(table: "settings") { t in
                t.primaryKey("id", .integer).check { $0 == 1 }
                t.column("time_zone", .text).notNull()
                t.column("quiet_hours_start", .text).notNull()
                t.column("quiet_hours_end", .text).notNull()
                t.column("daily_cap", .integer).notNull()
                t.column("enabled_stages", .text).notNull()
                t.column("weekly_maximum", .integer).notNull()
                t.column("run_time", .text).notNull()
                t.column("reactivate_time", .text).notNull()
                t.column("reactivate_pending_days", .integer).notNull()
                t.column("reactivate_interval_days", .integer).notNull()
                t.column("whatsapp_messages_per_second", .double).notNull()
                t.column("updated_at", .text)
                t.column("updated_by", .text)
            }
            try MessagingSettings.defaults.insert(db)
            try db.create(table: "opt_outs") { t in
                t.primaryKey("phone", .text)
                t.column("client_id", .text)
                t.column("channel", .text)
                t.column("source", .text).notNull()
                t.column("at", .text).notNull()
            }
            try db.create(table: "stages_due") { t in
                // subject: the installment id, or `client:<id>` for a reactivation nudge.
                t.column("subject", .text).notNull()
                t.column("stage", .text).notNull()
                t.column("local_date", .text).notNull()
                t.column("client_id", .text).notNull().indexed()
                t.column("installment_id", .text)
                t.column("position", .integer).notNull()
                t.primaryKey(["subject", "stage", "local_date"])
            }
            try db.create(table: "notifications_log") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("message_key", .text).notNull().unique()
                t.column("client_id", .text).notNull().indexed()
                t.column("installment_id", .text)
                t.column("stage", .text).notNull()
                t.column("channel", .text)
                t.column("provider", .text)
                t.column("to_e164", .text)
                // rendered, accepted…read, failed, undelivered, skipped, ignored_invalid_phone, unknown
                t.column("status", .text).notNull().indexed()
                t.column("status_rank", .integer).notNull()
                t.column("message_id", .text).indexed()
                t.column("error_code", .text)
                t.column("detail", .text)
                t.column("dry_run", .boolean).notNull().defaults(to: false)
                t.column("test", .boolean).notNull().defaults(to: false)
                t.column("fallback_of", .text)
                t.column("text", .text)
                t.column("created_at", .text).notNull().indexed()
                t.column("updated_at", .text).notNull()
            }
            try db.create(table: "pending_statuses") { t in
                // Status callbacks whose message id no MessageSent has named yet.
                t.primaryKey("position", .integer)
                t.column("provider", .text).notNull()
                t.column("message_id", .text).notNull().indexed()
                t.column("status", .text).notNull()
                t.column("error_code", .text)
                t.column("received_at", .text).notNull()
            }
            try db.create(table: "daily_counts") { t in
                // Messages sent per client per local day (settings' time zone), all channels.
                t.column("client_id", .text).notNull()
                t.column("local_date", .text).notNull()
                t.column("count", .integer).notNull()
                t.primaryKey(["client_id", "local_date"])
            }
            try db.create(table: "stage_sends") { t in
                // The last time each (client, stage) got a message: the 24 h rule.
                t.column("client_id", .text).notNull()
                t.column("stage", .text).notNull()
                t.column("last_sent_at", .text).notNull()
                t.primaryKey(["client_id", "stage"])
            }
        }
        migrator.registerMigration("v2-server", migrate: ServerProjection.migrateV2Server)
        migrator.registerMigration("v2-scheduling", migrate: SchedulingProjection.migrateV2Scheduling)
        migrator.registerMigration("v3-reminders", migrate: SchedulingProjection.migrateV3Reminders)
        migrator.registerMigration("v3-undecodable-records", migrate: UndecodableRecords.migrateV3)
        migrator.registerMigration("v3-sms-transliteration", migrate: MessagingSettings.migrateV3SMSTransliteration)
        migrator.registerMigration("v3-ingestion", migrate: IngestionProjection.migrateV3Ingestion)
        migrator.registerMigration("v4-whatsapp-account", migrate: WhatsAppAccountProjection.migrateV4)
        migrator.registerMigration("v4-ledger-index", migrate: LedgerIndex.migrateV4)
        migrator.registerMigration("v4-pause", migrate: MessagingSettings.migrateV4Pause)
        migrator.registerMigration("v4-settings-history", migrate: SettingsHistory.migrateV4)
        migrator.registerMigration("v4-user-status", migrate: UserRecord.migrateV4UserStatus)
        // The 24 h rule is per (installment, stage) through `message_items` since v3-reminders:
        // nothing reads the per-(client, stage) `stage_sends` any more.
        migrator.registerMigration("v5-drop-stage-sends") { db in try db.drop(table: "stage_sends") }
        migrator.registerMigration("v6-client-pauses", migrate: ClientPauseProjection.migrateV6)
        migrator.registerMigration("v6-sms-segment-price", migrate: MessagingSettings.migrateV6SMSSegmentPrice)
        migrator.registerMigration("v6-sessions", migrate: SessionProjection.migrateV6)
        migrator.registerMigration("v6-login-throttle", migrate: LoginThrottleProjection.migrateV6)
        migrator.registerMigration("v6-named-projections", migrate: ProjectionRebuild.migrateV6NamedProjections)
        migrator.registerMigration("v6-settings-from-events", migrate: MessagingSettings.migrateV6FromEvents)
        return migrator
    }

    /// The secondary indexes the projectors look rows up by. A replay builds every other one
    /// after the rows, by sorting once, instead of updating it row by row.
    static let indexesUsedWhileApplying: Set<String> = [
        "notifications_log_on_message_id", "pending_statuses_on_message_id", "pending_statuses_recorded",
    ]

    /// Drops the non-unique indexes no projector looks rows up by; returns the statements
    /// that create them again. Unique ones stay: they decide what an INSERT does.
    static func dropIndexesForBulkLoad(_ db: Database) throws -> [String] {
        let rows = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        var recreate: [String] = []
        for row in rows {
            let name: String = row["name"], sql: String = row["sql"]
            guard !indexesUsedWhileApplying.contains(name), !sql.uppercased().hasPrefix("CREATE UNIQUE") else { continue }
            try db.execute(sql: "DROP INDEX \"\(name)\"")
            recreate.append(sql)
        }
        return recreate
    }

    /// Tables rebuilt by replay, with the order that makes their digest deterministic.
    public static let projectedTables: [(name: String, order: String)] = [
        ("clients", "id"), ("installments", "id"), ("users", "id"), ("templates", "stage, channel"),
        ("template_versions", "position"), ("settings", "id"), ("opt_outs", "phone, ifnull(channel, '')"),
        ("stages_due", "subject, stage, local_date"), ("notifications_log", "id"),
        ("pending_statuses", "position"), ("daily_counts", "client_id, local_date"),
        ("scheduled_messages", "message_key"), ("message_items", "item_key"),
        ("conversation_windows", "phone, provider"),
        ("undecodable_records", "position"),
        ("seen_webhook_keys", "key"),
        ("whatsapp_templates", "name, language"), ("whatsapp_account", "id"), ("whatsapp_pricing", "message_id"),
        ("ledger_index", "position"),
        ("settings_changes", "position"),
        ("client_pauses", "position"),
        ("sessions", "digest"),
        ("login_failures", "position"), ("login_addresses", "login_key, address_key"),
    ]
}
