// phone-bench: parsing throughput of PhoneNumberParser over a mixed list of numbers, against
// Python phonenumbers' parse + is_valid_number over the same list (tools/phone-bench/run.sh
// runs both and prints the ratio).
//
//   phone-bench LIST [ROUNDS] [ANSWERS]
//
// LIST is `REGION<TAB>RAW` per line (make_list.py). The first pass is timed on its own (regions
// loaded and their patterns compiled on first use), then ROUNDS (default 5) timed passes; prints
// `median_seconds=…`. With ANSWERS (reference.py's answers, one per line) it also counts the
// numbers where both give the same E.164 or both refuse.
import AvisoMessaging
import Foundation

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func lines(_ path: String) -> [Substring] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        FileHandle.standardError.write(Data("phone-bench: cannot read \(path)\n".utf8))
        exit(2)
    }
    return text.split(separator: "\n")
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: phone-bench LIST [ROUNDS] [ANSWERS]\n".utf8))
    exit(2)
}
let rows: [(region: String, raw: String)] = lines(arguments[1]).map { line in
    let fields = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
    return (String(fields[0]), fields.count > 1 ? String(fields[1]) : "")
}
let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5

var answers: [String] = []
let first = seconds {
    answers = rows.map { (try? PhoneNumberParser.parse($0.raw, defaultRegion: $0.region).e164) ?? "invalid" }
}
print(String(format: "swift first pass (loads regions): %.3f s", first))

var times: [Double] = []
for round in 1...max(rounds, 1) {
    var valid = 0
    times.append(seconds {
        for row in rows where (try? PhoneNumberParser.parse(row.raw, defaultRegion: row.region)) != nil { valid += 1 }
    })
    print(String(format: "swift round %d: %.3f s, %d valid of %d", round, times.last!, valid, rows.count))
}

if arguments.count > 3 {
    let reference = lines(arguments[3]).map(String.init)
    let differing = zip(rows, zip(answers, reference)).filter { $1.0 != $1.1 }
    let same = rows.count - differing.count
    print(String(format: "same answer as the reference: %d of %d (%.2f %%)", same, rows.count, Double(same) / Double(rows.count) * 100))
    for (row, (ours, theirs)) in differing.prefix(20) {
        print("  differs: \(row.region) \"\(row.raw)\": swift \(ours), python \(theirs)")
    }
}
let median = times.sorted()[times.count / 2]
print(String(format: "%.0f numbers/s", Double(rows.count) / median))
print(String(format: "median_seconds=%.6f", median))
