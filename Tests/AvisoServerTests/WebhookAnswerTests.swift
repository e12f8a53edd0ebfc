@testable import AvisoServer
import Foundation
import Testing

/// The WhatsApp webhook's usual answer is written by hand: it must be the encoder's bytes.
@Suite struct WebhookAnswerTests {
    @Test(arguments: [(0, 0, 0), (1, 0, 0), (12, 3, 250), (0, 1000, 7)])
    func thePlainAnswerIsWhatTheEncoderWrites(appended: Int, duplicates: Int, ignored: Int) throws {
        let answer = WebhookController.WhatsAppAnswer(appended: appended, duplicates: duplicates, ignored: ignored, refused: [])
        #expect(answer.plainJSON == String(decoding: try JSONResponse.encoder.encode(answer), as: UTF8.self))
    }
}
