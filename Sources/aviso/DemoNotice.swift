/// What `serve --demo` says when the data directory is not empty: nothing was imported and
/// no demo accounts were made, and how to get into the console anyway.
enum DemoNotice {
    static func text(reason: String, data: String, admin: String?) -> String {
        var lines = ["--demo: nothing imported and no demo accounts created, because \(reason) (\(data)).",
                     "  To use the demo, start on an empty directory: aviso serve --demo --data NEW_DIR"]
        if let admin { lines.append("  An admin account was created instead: login \(admin), password printed below.") }
        lines += ["  To add a user: printf '%s' \"$PASSWORD\" | aviso user add --data \(data) --login NAME --role admin|asesor|cliente",
                  "  To reset a forgotten password: printf '%s' \"$PASSWORD\" | aviso user password --data \(data) --login NAME"]
        return lines.joined(separator: "\n")
    }
}
