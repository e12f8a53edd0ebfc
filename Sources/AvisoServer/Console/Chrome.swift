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
    var csrf = ""
    var nav: [Link] = []
    var tabs: [Link] = []
    var hasTabs = false
    var notice: String?
    /// Include `consola.js` (only the template editor needs it).
    var script = false

    /// For a signed-in caller. `section` and `tab` are the current paths (tab only inside Configuración).
    init(title: String, heading: String? = nil, context: AppRequestContext, section: String, tab: String? = nil, notice: String? = nil) {
        self.title = title
        self.heading = heading ?? title
        self.notice = notice
        guard let caller = context.caller else { return }
        signedIn = true
        userName = caller.name
        roleLabel = ConsoleAccess.roleLabel(caller.role)
        csrf = context.csrfToken ?? ""
        nav = ConsoleAccess.sections.filter { ConsoleAccess.allows(caller.role, "GET", $0.path) }
            .map { Link(label: $0.label, href: $0.path, current: $0.path == section) }
        if let tab {
            tabs = ConsoleAccess.tabs(for: caller.role).map { Link(label: $0.label, href: $0.path, current: $0.path == tab) }
            hasTabs = !tabs.isEmpty
        }
    }

    /// For pages shown before sign-in (login, errors).
    init(anonymousTitle title: String) {
        self.title = title
        heading = title
    }
}
