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
        let checkpoint = try Checkpoint.read(db)
        guard checkpoint.position > 0 else { return }
        let head = try ledger.head()
        let remedy = "nothing was used. If this ledger is the one to keep, rebuild the read models from it with `aviso replay`"
        guard checkpoint.position <= head.position else {
            throw ProjectionError.readModelsUnavailable(
                "\(readModels.path) says it includes the ledger up to record \(checkpoint.position), but the ledger in "
                    + "\(ledger.directory.path) ends at record \(head.position): the read models are ahead of the log; \(remedy)")
        }
        guard try ledger.records(at: [checkpoint.position]).first?.hash == checkpoint.hash else {
            throw ProjectionError.readModelsUnavailable(
                "\(readModels.path) was built from another ledger: the ledger's record \(checkpoint.position) "
                    + "has another hash than the one the read models applied; \(remedy)")
        }
    }
}
