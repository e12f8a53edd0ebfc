/// The version `aviso --version` prints and backups record.
enum AvisoVersion {
    static let current = "0.12.0"
}
