/// Where each widget goes for a given terminal size. Everything scales with the
/// terminal; below `minimum` only the too-small screen is drawn.
struct Layout: Equatable {
    static let minimumWidth = 60
    static let minimumHeight = 16

    var header: Rect
    var chart: Rect
    /// The heatmap, or the step-through details while stepping.
    var heatmap: Rect
    var side: Rect
    var sparkline: Rect
    var notes: Rect
    var sample: Rect
    var status: Rect
    var keyBar: Rect

    static func fits(width: Int, height: Int) -> Bool {
        width >= minimumWidth && height >= minimumHeight
    }

    init(width: Int, height: Int, sampleText: Bool, sideLines: Int) {
        let screen = Rect(x: 0, y: 0, width: width, height: height)
        var rest: Rect
        (header, rest) = screen.splitTop(2)
        (keyBar, rest) = rest.splitBottom(1)
        (status, rest) = rest.splitBottom(1)
        if sampleText {
            (sample, rest) = rest.splitBottom(rest.height >= 24 ? 5 : rest.height >= 18 ? 3 : 2)
        } else {
            sample = Rect(x: 0, y: rest.maxY, width: width, height: 0)
        }
        let sideWidth = min(max(width * 36 / 100, 28), 46)
        var left: Rect, right: Rect
        (right, left) = rest.splitRight(sideWidth)
        left.width -= 1  // a blank column between the two sides
        // The chart gets a little more than half of the left side: it is the point of the program.
        let chartHeight = max(5, (left.height * 55 + 99) / 100)
        (chart, heatmap) = left.splitTop(chartHeight)
        // Right side: the panel as far as its lines go, the loss sparkline, then the notes.
        let sparkRows = min(max(right.height / 5, 2), 8) + 1
        // The notes keep a few rows (the lecture's figures are there) where the panel can
        // spare them and still show its first lines; it drops its least important ones.
        let notesRows = right.height - sparkRows >= 18 ? 5 : 0
        let panelRows = min(sideLines, max(0, right.height - sparkRows - notesRows))
        (side, right) = right.splitTop(panelRows)
        (sparkline, right) = right.splitTop(sparkRows)
        notes = right.height >= 4 ? right : Rect(x: right.x, y: right.y, width: right.width, height: 0)
    }
}
