// Messages are about channels and land in the ledger: its vocabulary is messaging's too.
@_exported import AvisoLedger
