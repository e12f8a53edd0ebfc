import CLMDB

/// An LMDB call that failed, with the operation that called it so the message says where.
public struct LMDBError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let operation: String

    public var description: String {
        let text = String(cString: mdb_strerror(code))
        return "LMDB \(operation) failed: \(text) (code \(code))"
    }

    static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
        if code != 0 { throw LMDBError(code: code, operation: operation()) }
    }

    var isMapFull: Bool { code == MDB_MAP_FULL }
    var isMapResized: Bool { code == MDB_MAP_RESIZED }
}
