import Foundation

/// The layout's data: who is signed in, navigation, tabs, a one-line notice.
struct Chrome: Sendable {
    struct Link: Sendable {
        var label: String
        var href: String
        var current: Bool
    }

    var title: String
    var heading: String
    var signedIn = false
    var userName = ""
    var roleLabel = ""
    var isAdmin = false
    /// `Ana Pérez · Asesor`; just `Administrador` when the name is the role's own word.
    var userLine = ""
    var csrf = ""
    var nav: [Link] = []
    var tabs: [Link] = []
    var hasTabs = false
    var notice: String?
    /// Include `consola.js` (only the template editor needs it).
    var script = false

    /// For a signed-in caller. `section` and `tab` are the current paths (tab only inside Configuración).
    init(title: String, heading: String? = nil, context: AppRequestContext, section: String, tab: String? = nil, notice: String? = nil) {
        self.init(title: title, heading: heading, caller: context.caller, csrf: context.csrfToken, section: section, tab: tab, notice: notice)
    }

    /// The same from the caller alone (error pages resolve it themselves).
    init(title: String, heading: String? = nil, caller: Caller?, csrf: String?, section: String, tab: String? = nil, notice: String? = nil) {
        self.title = title
        self.heading = heading ?? title
        self.notice = notice
        guard let caller, !caller.isCron else { return }
        signedIn = true
        userName = caller.name
        roleLabel = ConsoleAccess.roleLabel(caller.role)
        isAdmin = caller.role == .admin
        userLine = Self.userLine(name: caller.name, role: roleLabel)
        self.csrf = csrf ?? ""
        nav = ConsoleAccess.sections.filter { ConsoleAccess.allows(caller.role, "GET", $0.path) }
            .map { Link(label: $0.label, href: $0.path, current: $0.path == section) }
        if let tab {
            tabs = ConsoleAccess.tabs(for: caller.role).map { Link(label: $0.label, href: $0.path, current: $0.path == tab) }
            hasTabs = !tabs.isEmpty
        }
    }

    static func userLine(name: String, role: String) -> String {
        let same = name.trimmingCharacters(in: .whitespaces).compare(role, options: [.caseInsensitive, .diacriticInsensitive]) == .orderedSame
        return same || role.isEmpty ? name : "\(name) · \(role)"
    }

    /// For pages shown before sign-in (login, errors).
    init(anonymousTitle title: String) {
        self.title = title
        heading = title
    }
}
