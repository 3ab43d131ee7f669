import Foundation
import RNNSim

/// The live view's pace (`display.speed`): `<` halves it and `>` doubles it,
/// within `Settings.speedRange`; doubling past the top is max.
enum Pace {
    static func faster(_ speed: Double) -> Double {
        guard speed.isFinite else { return speed }
        let next = speed * 2
        return next > Settings.speedRange.upperBound ? .infinity : next
    }

    /// Half the pace. From max, half the rate last measured (rounded down to a power
    /// of two, so that further presses stay round), so that one press slows it at once.
    static func slower(_ speed: Double, measured: Double) -> Double {
        let range = Settings.speedRange
        if speed.isInfinite {
            let half = measured > 0 ? pow(2, (log2(measured / 2)).rounded(.down)) : range.upperBound / 2
            return min(max(half, range.lowerBound), range.upperBound)
        }
        let next = speed / 2
        return next < range.lowerBound ? speed : next
    }

    /// `20/s`, `max`: the header's, next to the measured it/s.
    static func short(_ speed: Double) -> String {
        speed.isInfinite ? "max" : "\(Settings.speedText(speed))/s"
    }

    /// `20 it/s`, `max`.
    static func text(_ speed: Double, unit: String = "it/s") -> String {
        speed.isInfinite ? "max" : "\(Settings.speedText(speed)) \(unit)"
    }

    /// What the pace and the measured rate count: a stream that records every few
    /// iterations is shown a record at a time, so its rate is records, not iterations.
    static func unit(_ run: RunState) -> String {
        (run.stream?.every ?? 1) > 1 ? "rec/s" : "it/s"
    }
}
