import ArgumentParser
import AvisoMessaging
import Foundation

struct PhoneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "phone",
        abstract: "Normalise phone numbers to E.164: one line per input, E164<TAB>TYPE or invalid<TAB>REASON.",
        discussion: "Exit status 0 when every input is valid, 1 otherwise."
    )

    @Option(help: "Default country: a region (GT, SV) or calling code (502, +503).") var country: String = "GT"
    @Argument(help: "Numbers as people type them.") var raw: [String]

    func run() throws {
        var allValid = true
        for input in raw {
            let (line, valid) = PhoneNumberParser.cliLine(for: input, defaultRegion: country)
            print(line)
            allValid = allValid && valid
        }
        if !allValid { throw ExitCode(1) }
    }
}
