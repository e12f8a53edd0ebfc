import AvisoLedger
@testable import AvisoProjections
import Foundation
import Testing

/// `scheduled_messages.covers` was written in the writing process's hash order, so two
/// processes projecting the same event stored different text and `aviso verify` after
/// concurrent runs reported the read model differing from a fresh replay.
@Suite struct CoversTextTests {
    @Test func coversAreWrittenWithSortedKeysInEveryProcess() {
        let text = SchedulingProjection.coversJSON([CoveredItem(installmentId: "I1", stage: "D-15"),
                                                    CoveredItem(installmentId: "I2", stage: "D0")])
        #expect(text == #"[{"installmentId":"I1","stage":"D-15"},{"installmentId":"I2","stage":"D0"}]"#)
        #expect(SchedulingProjection.covers(fromJSON: text).map(\.installmentId) == ["I1", "I2"])
    }
}
