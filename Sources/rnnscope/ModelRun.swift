import Foundation
import RNNSim
import Scenarios

/// A run on the user's own model: the scenario (or --set) settings supply the
/// optimiser, clipping, truncation and seed; the model and its data the rest.
enum ModelRun {
    /// Says on stderr what was read once the run is known to be possible.
    static func scenario(base: Scenario, user: UserModel, dataPath: String?, assignments: [String] = []) throws -> Scenario {
        // A --set the model or its data would silently override is refused instead.
        for a in assignments {
            let key = String(a.prefix { $0 != "=" })
            let fixed = ["network.hidden", "network.layers", "network.cell", "network.activation"].contains(key)
                || (user.data != nil && (key.hasPrefix("task.") || key == "train.loss"))
            if fixed {
                let instead = ["network.activation": "; use --nonlinearity", "train.loss": "; use --loss"][key] ?? ""
                throw Failure("--set \(a) does not apply with --model: the model file and its data fix it\(instead)")
            }
        }
        if let data = user.data, let asked = base.settings.loss, asked != data.loss {
            throw Failure("train.loss = \(asked.rawValue) does not apply to --data: give --loss \(asked.rawValue) instead")
        }
        let settings = user.settings(from: base.settings)
        do {
            try settings.validate()
            _ = try user.task(settings)
        } catch { throw Failure("\(error)") }
        let modelName = URL(fileURLWithPath: user.modelPath).lastPathComponent
        var notes = "Your model, \(user.model.summary)."
        if let data = user.data {
            notes += " Data: \(data.summary); minibatches of \(settings.batch) of its \(data.batch.size) sequences."
        }
        notes += " w saves the current weights to \(user.savePath) under the names, shapes and dtypes read."
        var s = Scenario(name: "model", title: "Your model: \(modelName)" + (user.data.map { _ in " on its data" } ?? " on \(settings.task.rawValue)"),
                         notes: notes, settings: settings)
        s.path = user.modelPath
        ModelOptions.announce(user, dataPath: dataPath)
        return s
    }

    /// `--save`: the trained weights as the model file had them.
    static func save(_ trainer: Trainer, _ user: UserModel) throws {
        do {
            try user.model.weightsFile(trainer.network).write(to: URL(fileURLWithPath: user.savePath))
        } catch { throw Failure(error) }
        printError("rnnscope: saved the weights of iteration \(trainer.iteration) to \(user.savePath)")
    }
}
