import Foundation
import ModelIO
import RNNSim
import Scenarios

/// A run on the user's own model: the scenario (or --set) settings supply the
/// optimiser, clipping, truncation and seed; the model and its data the rest.
enum ModelRun {
    /// Says on stderr what was read once the run is known to be possible.
    /// `announce: false` leaves saying what was read (`ModelOptions.announce`) to the caller.
    static func scenario(base: Scenario, user: UserModel, dataPath: String?, assignments: [String] = [],
                         announce: Bool = true) throws -> Scenario {
        try refuseFixed(assignments, user: user, flag: "--set")
        if let data = user.data, let asked = base.settings.loss, asked != data.loss {
            throw Failure("train.loss = \(asked.rawValue) does not apply to --data: give --loss \(asked.rawValue) instead")
        }
        let settings = user.settings(from: base.settings)
        do {
            try settings.validate()
            // Refused here, before the view opens, rather than by the trainer.
            try Trainer.checkMemory(settings, task: user.task(settings))
        } catch { throw Failure("\(error)") }
        let modelName = URL(fileURLWithPath: user.modelPath).lastPathComponent
        var notes = "Your model, \(user.model.summary)."
        if let data = user.data {
            notes += " Data: \(data.summary); minibatches of \(settings.batch) of its \(data.batch.size) sequences."
        }
        notes += " Dropout is never applied, as model.eval()" + (user.model.trainedDropout.map { $0 > 0 ? " (the model was trained with \($0))." : "." } ?? ".")
        notes += " w saves the current weights to \(user.savePath) under the names, shapes and dtypes read."
        // Said in the title too, by name (up to three): what runs is not the file's model.
        let left = user.model.dropped.keys.sorted()
        let named = left.prefix(3).map { TextSafety.escaped($0, limit: 40) }.joined(separator: ", ") + (left.count > 3 ? " and \(left.count - 3) more" : "")
        var dropped = left.isEmpty ? "" : " without \(named) (\(ModelReadOptions.dropFlag))"
        if !left.isEmpty {
            notes += " Run without \(left.map { TextSafety.quoted($0) }.joined(separator: ", ")) (\(ModelReadOptions.dropFlag)): the figures are those of a different network than the file's, and w does not save it."
        }
        if let dropout = user.model.dropoutTitle { dropped += ", \(dropout)" }
        var s = Scenario(name: "model", title: "Your model: \(modelName)" + dropped + (user.data.map { _ in " on its data" } ?? " on \(settings.task.rawValue)"),
                         notes: notes, settings: settings)
        s.path = user.modelPath
        // What --set changed from the defaults the model runs on (the header's `changed`, the title bar).
        s.settingsBeforeSet = base.settingsBeforeSet.map { user.settings(from: $0) }
        if announce { ModelOptions.announce(user, data: user.data, dataPath: dataPath) }
        return s
    }

    /// A setting the model or its data would silently override is refused instead.
    static func refuseFixed(_ assignments: [String], user: UserModel, flag: String) throws {
        for a in assignments {
            let key = String(a.prefix { $0 != "=" })
            let fixed = ["network.hidden", "network.layers", "network.cell", "network.activation"].contains(key)
                || (user.data != nil && (key.hasPrefix("task.") || key == "train.loss"))
            if fixed {
                let instead = ["network.activation": "; use --nonlinearity", "train.loss": "; use --loss"][key] ?? ""
                throw Failure("\(flag) \(TextSafety.escaped(a)) does not apply with --model: the model file and its data fix it\(instead)")
            }
        }
    }

    /// Run B of `run --model … --vs key=value`: the same model and data, these settings changed.
    static func versus(_ a: Settings, _ assignments: [String], user: UserModel) throws -> Settings {
        try refuseFixed(assignments, user: user, flag: "--vs")
        // The model and its data fix the sizes again (train.batch at most the data's B).
        let b = user.settings(from: try RunCommand.versus(a, assignments))
        do {
            try b.validate()
            try Trainer.checkMemory(b, task: user.task(b))
        } catch { throw Failure("--vs: \(error)") }
        return b
    }

    /// `--save`: the trained weights as the model file had them.
    /// A diverged run's weights are refused (exit 1): they are frozen where the gradient
    /// became Inf/NaN, and loading them would only reproduce the failure.
    /// Returns the line for stderr that says what was written.
    static func save(_ trainer: Trainer, _ user: UserModel, lastLoss: Double) throws -> String {
        if let refusal = user.model.saveRefusal {
            throw Failure("not saved to \(TextSafety.escaped(user.savePath, limit: 400)): \(refusal)")
        }
        if let n = trainer.divergedAt {
            throw Failure("not saved to \(TextSafety.escaped(user.savePath, limit: 400)): " + Trainer.divergedRefusal(at: n), status: 1)
        }
        do {
            try user.model.weightsFile(trainer.network).write(to: URL(fileURLWithPath: user.savePath))
        } catch { throw Failure(error, flag: "--save") }
        let after = trainer.lossAfterLastUpdate().map { ": loss \(fmt($0)) on that iteration's batch (\(fmt(lastLoss)) before its update)" } ?? ""
        return "rnnscope: saved the weights of iteration \(trainer.iteration) to \(TextSafety.escaped(user.savePath, limit: 400))" + after
    }
}
