import AvisoLedger
import Foundation
import GRDB

/// `aviso.sqlite` is only a cache of the ledger: when it is not a database or fails its
/// integrity check, it is moved aside (kept for a post-mortem) and rebuilt from the ledger.
enum DamagedCache {
    struct Damage: Error {
        let reason: String
    }

    /// Opens the read models, refusing a damaged file: cheap checks of the header first (a
    /// garbage or truncated file), then SQLite's own `PRAGMA quick_check` (it reads every page).
    static func openChecked(at url: URL) throws -> DatabasePool {
        if let problem = headerProblem(at: url) { throw Damage(reason: problem) }
        let pool: DatabasePool
        do {
            pool = try ReadModelDatabase.openPool(at: url)
        } catch let error as DatabaseError where [.SQLITE_NOTADB, .SQLITE_CORRUPT].contains(error.resultCode)
                    || error.extendedResultCode == .SQLITE_IOERR_SHORT_READ {
            throw Damage(reason: "SQLite cannot open it (\(error.message ?? "\(error.resultCode)"))")
        }
        do {
            try check(pool)
        } catch {
            try? pool.close()
            throw error
        }
        return pool
    }

    static func check(_ pool: DatabasePool) throws(Damage) {
        do {
            let result = try pool.read { try String.fetchAll($0, sql: "PRAGMA quick_check") }
            guard result == ["ok"] else {
                throw Damage(reason: "its integrity check failed (\(result.prefix(3).joined(separator: "; ")))")
            }
        } catch let damage as Damage {
            throw damage
        } catch {
            throw Damage(reason: "reading it failed (\(error))")
        }
    }

    /// Header checks that need no SQLite: the magic string, and a file shorter than the
    /// page count its header promises (a truncated copy).
    static func headerProblem(at url: URL) -> String? {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return nil }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 100)) ?? Data()
        guard let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size]) as? UInt64 else { return nil }
        if size == 0 { return nil }  // SQLite's empty database: migrations fill it
        guard header.count == 100, header.prefix(16) == Data("SQLite format 3\u{0}".utf8) else {
            return "it is not an SQLite database"
        }
        func u32(_ at: Int) -> UInt32 { header[at..<at + 4].reduce(0) { ($0 << 8) | UInt32($1) } }
        let rawPageSize = UInt64(header[16]) << 8 | UInt64(header[17])
        let pageSize = rawPageSize == 1 ? 65_536 : rawPageSize
        let pages = UInt64(u32(28))
        // The in-header size counts only when its "valid for" number matches the change counter.
        if pages > 0, u32(92) == u32(24), size < pages * pageSize {
            return "it is truncated (\(size) bytes of the \(pages * pageSize) its header describes)"
        }
        return nil
    }

    /// Renames the file and its WAL/SHM to `aviso.sqlite.damaged-<UTC time>…`; returns the new name.
    static func moveAside(_ url: URL) throws -> URL {
        let stamp = Timestamps.utc(Date()).replacingOccurrences(of: ":", with: "")
        var aside = URL(fileURLWithPath: url.path + ".damaged-\(stamp)")
        var n = 1
        while FileManager.default.fileExists(atPath: aside.path) {
            n += 1
            aside = URL(fileURLWithPath: url.path + ".damaged-\(stamp)-\(n)")
        }
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: url.path + suffix) {
            guard rename(url.path + suffix, aside.path + suffix) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path + suffix])
            }
        }
        return aside
    }
}
