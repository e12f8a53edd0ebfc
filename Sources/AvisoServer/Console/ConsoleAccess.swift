import AvisoLedger

/// Reads `AccessPolicy.table` for the console: which tabs and links a role is shown, and
/// whether a form is editable. The middleware enforces the same table, so what is hidden
/// here also answers 403.
enum ConsoleAccess {
    struct Tab: Sendable {
        var label: String
        var path: String
    }

    /// Configuración, one URL per tab, in display order.
    static let configurationTabs = [
        Tab(label: "Mensajería", path: "/configuracion/mensajeria"),
        Tab(label: "Plantillas", path: "/configuracion/plantillas"),
        Tab(label: "Credenciales", path: "/configuracion/credenciales"),
    ]

    /// Top navigation.
    static let sections = [
        Tab(label: "Panel", path: "/panel"),
        Tab(label: "Mensajes", path: "/mensajes"),
        Tab(label: "Clientes", path: "/clientes"),
        Tab(label: "Próximos envíos", path: "/proximos"),
        Tab(label: "Usuarios", path: "/usuarios"),
        Tab(label: "Configuración", path: "/configuracion"),
    ]

    static func allows(_ role: UserRole?, _ method: String, _ path: String) -> Bool {
        guard let role, let rule = AccessPolicy.rule(method: method, path: path) else { return false }
        switch rule {
        case .open: return true
        case let .roles(roles), let .rolesOrCron(roles): return roles.contains(role)
        case .cron: return false
        }
    }

    static func tabs(for role: UserRole?) -> [Tab] {
        configurationTabs.filter { allows(role, "GET", $0.path) }
    }

    static func roleLabel(_ role: UserRole?) -> String {
        switch role {
        case .admin: "Administrador"
        case .asesor: "Asesor"
        case .cliente: "Cliente"
        case nil: ""
        }
    }
}
