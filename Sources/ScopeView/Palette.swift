/// How many colours the terminal can show. The screen never asks for a colour
/// the tier lacks: `.none` is bold, reverse and dim only.
public enum ColorTier: String, Sendable, CaseIterable {
    case none, eight, x256

    /// The tier for a terminal that reports `colors` colours, honouring NO_COLOR
    /// (no-color.org: any non-empty value turns colour off).
    public static func detect(hasColors: Bool, colors: Int, noColor: String?) -> ColorTier {
        if let v = noColor, !v.isEmpty { return .none }
        guard hasColors else { return .none }
        if colors >= 256 { return .x256 }
        if colors >= 8 { return .eight }
        return .none
    }
}

/// Semantic roles → colours (or attributes) for one tier. The heat scale runs
/// from deep blue (vanished) through green (order one) to red (exploding).
public struct Palette: Sendable {
    public static let heatLevels = 8
    public let tier: ColorTier

    public init(_ tier: ColorTier) { self.tier = tier }

    // Curses colour numbers of the basic eight.
    static let black = 0, red = 1, green = 2, yellow = 3, blue = 4, magenta = 5, cyan = 6, white = 7

    /// A style with every role replaced by a concrete colour of this tier, or,
    /// without colours, by an attribute that still tells it apart.
    public func resolve(_ style: Style) -> Style {
        var s = style
        switch tier {
        case .none:
            for ink in [style.foreground, style.background] {
                if case .role(let r) = ink { monochrome(r, &s) }
            }
            s.foreground = .standard
            s.background = .standard
        case .eight, .x256:
            s.foreground = color(style.foreground, &s)
            s.background = color(style.background, &s)
        }
        return s
    }

    private func color(_ ink: Ink, _ s: inout Style) -> Ink {
        switch ink {
        case .standard: return .standard
        case .color(let n): return .color(tier == .eight ? n % 8 : n % 256)
        case .role(let r): return tier == .eight ? eight(r, &s) : x256(r, &s)
        }
    }

    private func monochrome(_ r: Role, _ s: inout Style) {
        switch r {
        case .title, .keyName, .warn, .marker: s.bold = true
        case .titleBar, .keyLabel, .selection, .cursor: s.reverse = true
        case .bad: s.bold = true; s.reverse = true
        case .secondary: s.dim = true
        case .accent, .good, .heat: break
        }
    }

    private func eight(_ r: Role, _ s: inout Style) -> Ink {
        switch r {
        case .title: s.bold = true; return .color(Self.cyan)
        case .titleBar: return .color(Self.blue)
        case .accent: return .color(Self.cyan)
        case .secondary: s.dim = true; return .standard
        case .good: return .color(Self.green)
        case .warn: s.bold = true; return .color(Self.yellow)
        case .bad: s.bold = true; return .color(Self.red)
        case .keyName: s.bold = true; return .standard
        case .keyLabel: return .color(Self.cyan)
        case .selection: return .color(Self.cyan)
        case .marker: s.bold = true; return .color(Self.magenta)
        case .cursor: return .color(Self.yellow)
        case .heat(let level):
            let ramp = [Self.blue, Self.blue, Self.cyan, Self.cyan, Self.green, Self.yellow, Self.red, Self.magenta]
            return .color(ramp[Self.clampLevel(level)])
        }
    }

    private func x256(_ r: Role, _ s: inout Style) -> Ink {
        switch r {
        case .title: s.bold = true; return .color(81)
        case .titleBar: return .color(24)
        case .accent: return .color(81)
        case .secondary: return .color(245)
        case .good: return .color(77)
        case .warn: s.bold = true; return .color(220)
        case .bad: s.bold = true; return .color(196)
        case .keyName: s.bold = true; return .standard
        case .keyLabel: return .color(30)
        case .selection: return .color(30)
        case .marker: s.bold = true; return .color(207)
        case .cursor: return .color(226)
        case .heat(let level):
            // Dark blue → cyan → green → yellow → orange → red: readable on a projector.
            let ramp = [19, 27, 39, 43, 112, 220, 208, 196]
            return .color(ramp[Self.clampLevel(level)])
        }
    }

    static func clampLevel(_ l: Int) -> Int { min(max(l, 0), heatLevels - 1) }
}
