// Messages are about a channel; the ledger owns that vocabulary.
@_exported import enum AvisoLedger.Channel
