import AvisoLedger
import Foundation
import GRDB

/// The one check that the read models never claim more than the ledger holds: their
/// checkpoint must name a record the ledger has, with that record's hash. A checkpoint ahead
/// of the log (an older ledger put back beside newer read models, a truncated log) is refused
/// with what was found, never used silently, as KurrentDB refuses a checkpoint ahead of its log.
public enum ReadModelCheckpoint {
    public static func refuseIfAhead(_ db: Database, of ledger: Ledger, readModels: URL) throws {
        guard try db.tableExists("projection_checkpoint") else { return }
        // Every projection keeps its own checkpoint: each must name a record the ledger has.
        let checkpoints = try Checkpoint.all(db).sorted { $0.value.position > $1.value.position }
        guard let highest = checkpoints.first, highest.value.position > 0 else { return }
        let head = try ledger.head()
        let remedy = "nothing was used. If this ledger is the one to keep, rebuild the read models from it with `aviso replay`"
        guard highest.value.position <= head.position else {
            throw ProjectionError.readModelsUnavailable(
                "\(readModels.path) says it includes the ledger up to record \(highest.value.position) (projection `\(highest.key)`), "
                    + "but the ledger in \(ledger.location) ends at record \(head.position): the read models are ahead of the log; \(remedy)")
        }
        let positions = Array(Set(checkpoints.map(\.value.position).filter { $0 > 0 }))
        let hashes = Dictionary(try ledger.records(at: positions).map { ($0.position, $0.hash) }) { first, _ in first }
        for (name, checkpoint) in checkpoints where checkpoint.position > 0 && hashes[checkpoint.position] != checkpoint.hash {
            throw ProjectionError.readModelsUnavailable(
                "\(readModels.path) was built from another ledger: the ledger's record \(checkpoint.position) "
                    + "has another hash than the one projection `\(name)` applied; \(remedy)")
        }
    }
}
