import AvisoLedger
import Foundation
import Testing
@testable import AvisoScheduler

@Suite struct StagePlanTests {
    func stage(_ due: String, on today: String, max: Int = 12) -> String? {
        StagePlan.stage(dueDate: day(due), on: day(today), weeklyMaximum: max)
    }

    @Test func stagesAcrossMonthAndYearEnds() {
        #expect(stage("2026-01-01", on: "2025-12-17") == "D-15")
        #expect(stage("2026-01-01", on: "2025-12-30") == "D-2")
        #expect(stage("2026-01-01", on: "2025-12-31") == "D-1")
        #expect(stage("2026-01-01", on: "2026-01-01") == "D0")
        #expect(stage("2025-12-31", on: "2026-01-01") == "D+1")
        #expect(stage("2025-12-31", on: "2026-01-03") == "D+3")
        #expect(stage("2025-12-31", on: "2026-01-07") == "WEEKLY_1")
        #expect(stage("2026-05-01", on: "2026-04-29") == "D-2")
        #expect(stage("2026-04-30", on: "2026-05-01") == "D+1")
        #expect(stage("2026-03-10", on: "2026-02-23") == "D-15")  // February has 28 days in 2026
        #expect(stage("2026-01-01", on: "2025-12-18") == nil)
        #expect(stage("2026-01-01", on: "2026-01-03") == nil)  // D+2 is no stage
    }

    @Test func stagesAcrossLeapDays() {
        #expect(stage("2024-03-01", on: "2024-02-28") == "D-2")  // 2024-02-29 exists
        #expect(stage("2025-03-01", on: "2025-02-27") == "D-2")  // 2025 has no 29 February
        #expect(stage("2024-02-29", on: "2024-02-14") == "D-15")
        #expect(stage("2024-02-29", on: "2024-03-01") == "D+1")
        #expect(stage("2024-02-29", on: "2024-03-03") == "D+3")
        #expect(stage("2024-02-29", on: "2024-03-07") == "WEEKLY_1")
        #expect(stage("2024-02-28", on: "2024-03-01") == nil)  // two days after, not one
        #expect(stage("2024-02-28", on: "2024-03-02") == "D+3")
        #expect(stage("2100-03-01", on: "2100-02-27") == "D-2")  // 2100 is not a leap year
        #expect(LocalDay(iso: "2025-02-29") == nil)
        #expect(day("2024-02-28") + 1 == day("2024-02-29"))
        #expect(day("2000-02-28") + 2 == day("2000-03-01"))
        #expect((day("2024-12-31") + 1).iso == "2025-01-01")
    }

    @Test func weeklyStagesUpToTheMaximum() {
        #expect(stage("2026-01-01", on: "2026-01-15") == "WEEKLY_2")
        #expect(stage("2026-01-01", on: "2026-03-26") == "WEEKLY_12")  // 84 days
        #expect(stage("2026-01-01", on: "2026-04-02") == nil)  // week 13 is past the default maximum
        #expect(stage("2026-01-01", on: "2026-04-02", max: 13) == "WEEKLY_13")
        #expect(stage("2026-01-01", on: "2026-01-14") == nil)
        #expect(stage("2026-01-01", on: "2026-01-08", max: 0) == nil)
        let dates = StagePlan.dueDates(on: day("2026-01-01"), weeklyMaximum: 12)
        #expect(dates.count == 18)
        #expect(dates.contains { $0.dueDate == day("2026-01-16") && $0.stage == "D-15" })
        #expect(dates.contains { $0.dueDate == day("2025-12-25") && $0.stage == "WEEKLY_1" })
        #expect(StagePlan.isEnabled("WEEKLY_4", in: ["WEEKLY"]))
        #expect(!StagePlan.isEnabled("D-15", in: ["D-2", "WEEKLY"]))
    }
}

@Suite struct TimeZoneTests {
    @Test func localDateAt2330IsTheNextDayInUTC() {
        let at = local("2026-11-25", "23:30")
        #expect(Timestamps.utc(at) == "2026-11-26T05:30:00Z")
        #expect(LocalDay(at, in: guatemala).iso == "2026-11-25")
        #expect(LocalDay(at, in: TimeZone(identifier: "UTC")!).iso == "2026-11-26")
        #expect(LocalClock.minuteOfDay(at, in: guatemala) == 23 * 60 + 30)
        // 2006 had daylight saving time in Guatemala: the zone, not a fixed offset.
        #expect(Timestamps.utc(local("2006-07-01", "09:00")) == "2006-07-01T14:00:00Z")
        #expect(Timestamps.utc(local("2006-12-01", "09:00")) == "2006-12-01T15:00:00Z")
    }
}

@Suite struct QuietHoursTests {
    let night = QuietHours(start: "20:00", end: "08:00")!

    @Test func edgesAtExactMinutes() {
        #expect(night.contains(minuteOfDay: 20 * 60))  // start inclusive
        #expect(!night.contains(minuteOfDay: 20 * 60 - 1))
        #expect(night.contains(minuteOfDay: 8 * 60 - 1))
        #expect(!night.contains(minuteOfDay: 8 * 60))  // end exclusive
        #expect(night.contains(minuteOfDay: 0))
        #expect(night.contains(minuteOfDay: 23 * 60 + 59))
        #expect(night.isQuiet(at: local("2026-11-26", "19:59"), in: guatemala) == false)
        #expect(night.isQuiet(at: local("2026-11-26", "20:00"), in: guatemala))
        #expect(night.isQuiet(at: local("2026-11-26", "07:59"), in: guatemala))
        #expect(night.isQuiet(at: local("2026-11-26", "08:00"), in: guatemala) == false)
        // 19:59:59 is still 19:59.
        #expect(!night.isQuiet(at: local("2026-11-26", "19:59").addingTimeInterval(59), in: guatemala))
    }

    @Test func windowCrossingMidnightOpensTheNextMorning() {
        #expect(night.opening(after: local("2026-11-26", "21:15"), in: guatemala) == local("2026-11-27", "08:00"))
        #expect(night.opening(after: local("2026-12-31", "20:00"), in: guatemala) == local("2027-01-01", "08:00"))
        #expect(night.opening(after: local("2026-11-27", "03:00"), in: guatemala) == local("2026-11-27", "08:00"))
        #expect(night.opening(after: local("2026-11-27", "08:00"), in: guatemala) == nil)
    }

    @Test func windowEndingAtMidnight() {
        let evening = QuietHours(start: "20:00", end: "00:00")!
        #expect(evening.contains(minuteOfDay: 23 * 60 + 59))
        #expect(!evening.contains(minuteOfDay: 0))
        #expect(!evening.contains(minuteOfDay: 7 * 60))
        #expect(evening.opening(after: local("2026-11-26", "22:00"), in: guatemala) == local("2026-11-27", "00:00"))
    }

    @Test func windowWithinOneDayAndEmptyWindow() {
        let lunch = QuietHours(start: "13:00", end: "14:30")!
        #expect(lunch.contains(minuteOfDay: 13 * 60))
        #expect(lunch.contains(minuteOfDay: 14 * 60 + 29))
        #expect(!lunch.contains(minuteOfDay: 14 * 60 + 30))
        #expect(!lunch.contains(minuteOfDay: 12 * 60 + 59))
        #expect(lunch.opening(after: local("2026-11-26", "13:10"), in: guatemala) == local("2026-11-26", "14:30"))
        #expect(!QuietHours(start: "08:00", end: "08:00")!.contains(minuteOfDay: 8 * 60))
        #expect(QuietHours(start: "8:00", end: "20:00") == nil)
        #expect(QuietHours(start: "24:00", end: "08:00") == nil)
    }
}
