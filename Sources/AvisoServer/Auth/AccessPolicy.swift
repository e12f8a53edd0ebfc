import AvisoLedger

/// Who may call a route.
public enum AccessRule: Sendable, Hashable {
    /// Anyone: health, metrics, login, provider webhooks (they check their own signatures).
    case open
    /// A signed-in user with one of these roles.
    case roles(Set<UserRole>)
    /// A signed-in user with one of these roles, or `Authorization: Bearer $AVISO_CRON_SECRET`.
    case rolesOrCron(Set<UserRole>)
    /// Only `Authorization: Bearer $AVISO_CRON_SECRET`: a cron host's GET with a side effect,
    /// which a session cookie (a link, an image tag) must never trigger.
    case cron
}

/// The one table saying who may call what: data that the router's access groups read
/// (`AccessRoutes`, one group per rule, each with its `AccessMiddleware`). A route missing here
/// is refused (fail closed), so adding a route means adding its line.
public enum AccessPolicy {
    static let everyone: Set<UserRole> = [.admin, .asesor, .cliente]

    public static let table: [String: AccessRule] = [
        "GET /healthz": .open,
        "GET /metrics": .open,
        "GET /checkpoint": .open,
        "POST /login": .open,
        "POST /logout": .roles(everyone),
        "GET /api/session": .roles(everyone),
        "POST /api/webhooks/twilio": .open,
        "GET /api/webhooks/whatsapp": .open,
        "POST /api/webhooks/whatsapp": .open,
        // Cliente users see their own client only; asesores their own clients (checked in the handler).
        "GET /api/notifications/preview": .roles(everyone),
        "POST /api/notifications/test": .roles([.admin, .asesor]),
        "POST /api/notifications/run": .rolesOrCron([.admin]),
        "POST /api/notifications/reactivate": .rolesOrCron([.admin]),
        "GET /api/notifications/run": .cron,
        "GET /api/notifications/reactivate": .cron,
        "PUT /api/clients/{id}": .rolesOrCron([.admin]),
        "PUT /api/installments/{id}": .rolesOrCron([.admin]),
        "POST /api/installments/{id}/paid": .rolesOrCron([.admin]),
        // Console (issue 6). The Configuración tabs a role sees are the GET lines it passes.
        "GET /": .roles(everyone),
        "GET /ingresar": .open,
        "POST /ingresar": .open,
        "POST /salir": .roles(everyone),
        "GET /consola/estilo.css": .open,
        "GET /consola/consola.js": .open,
        "GET /configuracion": .roles(everyone),
        "GET /configuracion/mensajeria": .roles([.admin, .asesor]),
        "POST /configuracion/mensajeria": .roles([.admin]),
        "GET /configuracion/plantillas": .roles([.admin]),
        "POST /configuracion/plantillas": .roles([.admin]),
        "POST /configuracion/plantillas/vista-previa": .roles([.admin]),
        "POST /configuracion/plantillas/restaurar": .roles([.admin]),
        "POST /configuracion/plantillas/sincronizar-whatsapp": .roles([.admin]),
        "GET /configuracion/credenciales": .roles(everyone),
        "POST /configuracion/credenciales": .roles(everyone),
        // An asesor sees only their own clients' messages (checked in the handler).
        "GET /mensajes": .roles([.admin, .asesor]),
        "GET /mensajes/{id}": .roles([.admin, .asesor]),
        "POST /mensajes/prueba": .roles([.admin, .asesor]),
        // Issue 13. An asesor finds and opens only their own clients (checked in the handler).
        "GET /clientes": .roles([.admin, .asesor]),
        "GET /clientes/{id}": .roles([.admin, .asesor]),
        "GET /clientes/por-corregir": .roles([.admin]),
        "POST /clientes/{id}/pausa": .roles([.admin]),
        "GET /mensajes/exportar": .roles([.admin, .asesor]),
        "POST /mensajes/exportar": .roles([.admin]),
        "GET /proximos": .roles([.admin]),
        "GET /panel": .roles([.admin]),
        "GET /usuarios": .roles([.admin]),
        "POST /usuarios": .roles([.admin]),
        "POST /proximos/pausa": .roles([.admin]),
    ]

    /// The rule for a route, nil when it has none (and so is refused).
    public static func rule(method: String, path: String) -> AccessRule? {
        table["\(method) \(path)"]
    }
}

extension AccessRule {
    /// Whether the cron bearer secret may call a route with this rule.
    var acceptsCron: Bool {
        switch self {
        case .rolesOrCron, .cron: true
        case .open, .roles: false
        }
    }
}
