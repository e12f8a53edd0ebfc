import AvisoProjections
import Foundation

/// The settings' quiet hours (local `HH:mm`, start inclusive, end exclusive, may cross midnight).
enum QuietHours {
    static func contains(_ date: Date, settings: MessagingSettings) -> Bool {
        guard let zone = TimeZone(identifier: settings.timeZone),
              let start = minutes(settings.quietHoursStart), let end = minutes(settings.quietHoursEnd), start != end else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let now = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        return start < end ? (now >= start && now < end) : (now >= start || now < end)
    }

    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        return h * 60 + m
    }
}
