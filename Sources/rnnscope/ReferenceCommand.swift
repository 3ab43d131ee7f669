import ArgumentParser
import RNNSim
import ScopeView

/// `rnnscope reference keys|settings`: the generated pages of docs/reference/.
struct ReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference",
        abstract: "Print a reference page generated from the code (docs/reference/): keys or settings.",
        shouldDisplay: false)

    enum Page: String, ExpressibleByArgument, CaseIterable { case keys, settings }

    @Argument(help: "keys or settings") var page: Page

    func run() throws {
        let text = page == .keys ? KeyReference.markdown() : SettingsReference.markdown()
        print(String(text.dropLast()))  // print ends the last line
    }
}
